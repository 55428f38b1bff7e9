#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`meson install --destdir` of this build, and the installed tree checked with the tools
a distribution would run on it.

What must be there comes from the build (the application id, the help pages, the
languages of po/LINGUAS and help/LINGUAS), so a page or a language added later is checked
without editing this file. The systemd unit is checked twice: `systemd-analyze verify`
(the unit parses, its commands exist and are executable, its man page is found) and
`systemd-analyze security --offline=yes`, whose exposure must be 2.0 or lower.

`verify` checks that the commands of the unit exist on this machine, but the unit names
PREFIX/bin/atrium-server and the binary sits in the staging tree, so it checks a copy
whose PREFIX/ is replaced by DESTDIR/PREFIX/ (nothing else differs), with MANPATH set to
the staging tree's man pages, so that Documentation=man:atrium-server(8) is looked up
among what was installed and not on the host.
"""

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

MAX_EXPOSURE = 2.0

results = []


def check(name, ok, detail=''):
    results.append((name, ok, detail))


def run(argv, env=None):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env)
    return proc.returncode, proc.stdout


def read_linguas(path):
    langs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            langs.extend(line.split('#')[0].split())
    return langs


def tool_ok(name, argv, env=None):
    rc, out = run(argv, env)
    check(name, rc == 0, out.strip())
    return rc, out


def mo_messages(path):
    """The number of messages of a GNU .mo catalogue, after checking its header."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 28:
        return -1
    for order in ('<', '>'):
        magic, revision, count = struct.unpack(order + 'III', data[:12])
        if magic == 0x950412de:
            return count if revision >> 16 == 0 else -1
    return -1


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--build-root', required=True)
    p.add_argument('--source-root', required=True)
    p.add_argument('--prefix', required=True)
    p.add_argument('--bindir', required=True)
    p.add_argument('--datadir', required=True)
    p.add_argument('--mandir', required=True)
    p.add_argument('--unitdir', required=True)
    p.add_argument('--userunitdir', required=True)
    p.add_argument('--sysusersdir', required=True)
    p.add_argument('--app-id', required=True)
    p.add_argument('--base-id', required=True)
    p.add_argument('--project', required=True)
    p.add_argument('--help-page', action='append', default=[])
    args = p.parse_args()

    for tool in ('meson', 'desktop-file-validate', 'appstreamcli', 'glib-compile-schemas',
                 'yelp-check', 'systemd-analyze', 'groff', 'man'):
        if shutil.which(tool) is None:
            print(f'Bail out! {tool} is missing: run tools/install-deps')
            return 1

    dest = tempfile.mkdtemp(prefix='atrium-test-install-')
    try:
        rc, out = run(['meson', 'install', '-C', args.build_root, '--destdir', dest,
                       '--no-rebuild', '--quiet'])
        check('meson install --destdir', rc == 0, out)
        if rc == 0:
            check_tree(args, dest)
    finally:
        shutil.rmtree(dest, ignore_errors=True)

    print(f'1..{len(results)}')
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print(f'{"ok" if ok else "not ok"} {i} {name}')
        if detail and (not ok or os.environ.get('VERBOSE')):
            for line in detail.splitlines():
                print(f'# {line}')
        failed += not ok
    return 1 if failed else 0


def staged(dest, path):
    return os.path.join(dest, path.lstrip('/'))


def check_tree(args, dest):
    datadir = staged(dest, args.datadir)

    # Binaries: present, executable, and they run from the staging tree.
    for name in ('atrium', 'atrium-server'):
        path = os.path.join(staged(dest, args.bindir), name)
        check(f'bin/{name} is executable', os.access(path, os.X_OK))
    rc, out = run([os.path.join(staged(dest, args.bindir), 'atrium-server'), '--version'])
    check('atrium-server --version runs', rc == 0 and out.startswith('atrium-server '), out)

    # Desktop file, metainfo (with their French translations merged), schema, icons.
    desktop = os.path.join(datadir, 'applications', args.app_id + '.desktop')
    check('desktop file installed', os.path.isfile(desktop))
    if os.path.isfile(desktop):
        tool_ok('desktop-file-validate', ['desktop-file-validate', desktop])
    metainfo = os.path.join(datadir, 'metainfo', args.app_id + '.metainfo.xml')
    check('metainfo installed', os.path.isfile(metainfo))
    if os.path.isfile(metainfo):
        tool_ok('appstreamcli validate --no-net',
                ['appstreamcli', 'validate', '--no-net', '--explain', metainfo])
    schemas = os.path.join(datadir, 'glib-2.0', 'schemas')
    check('gschema installed',
          os.path.isfile(os.path.join(schemas, args.base_id + '.gschema.xml')))
    tool_ok('glib-compile-schemas --strict on the installed schemas',
            ['glib-compile-schemas', '--strict', '--dry-run', schemas])
    for sub, suffix in (('scalable', '.svg'), ('symbolic', '-symbolic.svg')):
        icon = os.path.join(datadir, 'icons', 'hicolor', sub, 'apps', args.app_id + suffix)
        check(f'{sub} icon installed', os.path.isfile(icon))

    # Translations: one catalogue per language of po/LINGUAS, with messages in it, and
    # the language merged into the desktop file.
    po_langs = read_linguas(os.path.join(args.source_root, 'po', 'LINGUAS'))
    check('po/LINGUAS lists languages', len(po_langs) > 0)
    for lang in po_langs:
        mo = os.path.join(datadir, 'locale', lang, 'LC_MESSAGES', args.project + '.mo')
        count = mo_messages(mo) if os.path.isfile(mo) else -1
        check(f'{lang}: {args.project}.mo installed with messages', count > 1,
              f'{mo}: {count} messages')
        if os.path.isfile(desktop):
            with open(desktop, encoding='utf-8') as f:
                check(f'{lang}: desktop file translated', f'Name[{lang}]=' in f.read())

    # Help: every page of help/meson.build, in C and in each language of help/LINGUAS.
    help_langs = ['C'] + read_linguas(os.path.join(args.source_root, 'help', 'LINGUAS'))
    check('help pages listed', len(args.help_page) > 0)
    for lang in help_langs:
        pages = [os.path.join(datadir, 'help', lang, args.project, page)
                 for page in args.help_page]
        missing = [page for page in pages if not os.path.isfile(page)]
        check(f'help/{lang}: every page installed', not missing, '\n'.join(missing))
        if not missing:
            tool_ok(f'help/{lang}: yelp-check validate', ['yelp-check', 'validate'] + pages)

    # Manual pages: installed, and groff has nothing to say about them.
    mandir = staged(dest, args.mandir)
    for page in ('man1/atrium.1', 'man8/atrium-server.8'):
        path = os.path.join(mandir, page)
        check(f'{page} installed', os.path.isfile(path))
        if os.path.isfile(path):
            rc, out = run(['groff', '-man', '-Tutf8', '-ww', '-z', path])
            check(f'{page}: groff -ww without warnings', rc == 0 and out.strip() == '', out)

    # The server's example configuration.
    example = os.path.join(datadir, 'doc', args.project, 'server.conf.example')
    check('server.conf.example installed', os.path.isfile(example))

    # sysusers.d: the account the unit runs as.
    sysusers = os.path.join(staged(dest, args.sysusersdir), args.project + '.conf')
    check('sysusers.d file installed', os.path.isfile(sysusers))
    if os.path.isfile(sysusers):
        with open(sysusers, encoding='utf-8') as f:
            check('sysusers.d declares the atrium account',
                  re.search(r'^u\s+atrium\s', f.read(), re.M) is not None)

    check_unit(args, dest)
    check_kiosk_unit(args, dest)


def verify_unit(args, dest, name, text):
    """`systemd-analyze verify` on a copy of the unit @text with PREFIX/ moved into the
    staging tree, its man pages from there."""
    prefix = args.prefix.rstrip('/') + '/'
    with tempfile.TemporaryDirectory(prefix='atrium-test-unit-') as tmp:
        copy = os.path.join(tmp, name)
        with open(copy, 'w', encoding='utf-8') as f:
            f.write(text.replace(prefix, staged(dest, prefix)))
        env = dict(os.environ, MANPATH=staged(dest, args.mandir))
        tool_ok(f'systemd-analyze verify {name}', ['systemd-analyze', 'verify', copy], env)


def check_kiosk_unit(args, dest):
    """The kiosk's user service runs the installed app as a kiosk, comes back by itself,
    and is a unit systemd can read (its commands staged like the server's)."""
    unit = os.path.join(staged(dest, args.userunitdir), 'atrium-kiosk.service')
    check('atrium-kiosk.service installed (user unit)', os.path.isfile(unit))
    if not os.path.isfile(unit):
        return
    with open(unit, encoding='utf-8') as f:
        text = f.read()
    app = os.path.join(args.bindir, 'atrium')
    check('the kiosk unit starts the installed app with --kiosk',
          re.search(r'^ExecStart=' + re.escape(app) + r' --kiosk$', text, re.M) is not None,
          text)
    check('the kiosk unit restarts the app whatever ended it',
          re.search(r'^Restart=always$', text, re.M) is not None, text)
    verify_unit(args, dest, 'atrium-kiosk.service', text)


def check_unit(args, dest):
    unit = os.path.join(staged(dest, args.unitdir), 'atrium-server.service')
    check('atrium-server.service installed', os.path.isfile(unit))
    if not os.path.isfile(unit):
        return
    with open(unit, encoding='utf-8') as f:
        text = f.read()
    server = os.path.join(args.bindir, 'atrium-server')
    check('the unit starts the installed binary',
          re.search(r'^ExecStart=' + re.escape(server) + r' serve ', text, re.M) is not None,
          text)

    verify_unit(args, dest, 'atrium-server.service', text)

    rc, out = run(['systemd-analyze', 'security', '--offline=yes', '--no-pager', unit])
    m = re.search(r'Overall exposure level for atrium-server\.service: ([0-9.]+)', out)
    exposure = float(m.group(1)) if m else None
    check(f'systemd-analyze security: exposure {exposure} <= {MAX_EXPOSURE}',
          rc == 0 and exposure is not None and exposure <= MAX_EXPOSURE,
          out if exposure is None or exposure > MAX_EXPOSURE else
          f'exposure {exposure}')


if __name__ == '__main__':
    sys.exit(main())
