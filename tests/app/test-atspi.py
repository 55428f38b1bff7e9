#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app from the outside, as assistive technologies see it (AT-SPI, with dogtail):
`atrium --demo` is started, the demo staff user signs in with a TOTP code this test
computes itself from the account's otpauth:// secret (RFC 6238), and today's bookings
list is reached. Writes TAP."""

import base64
import contextlib
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import time
import urllib.parse

import gi  # noqa: E402
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi, Gio  # noqa: E402

# dogtail refuses to start unless toolkit accessibility is on; the session's settings
# are in memory (GSETTINGS_BACKEND=memory), so this process sets it for itself.
Gio.Settings.new('org.gnome.desktop.interface').set_boolean('toolkit-accessibility', True)

# dogtail talks on standard output, which is this test's TAP: it goes to stderr instead.
with contextlib.redirect_stdout(sys.stderr):
    from dogtail import config, tree  # noqa: E402
    from dogtail.predicate import GenericPredicate  # noqa: E402

config.searchShowingOnly = False
config.searchCutoffCount = 10
config.defaultDelay = 0.2
config.actionDelay = 0.2
config.typingDelay = 0.02

tests = 0


def ok(condition, what):
    global tests
    tests += 1
    print(('ok %d %s' if condition else 'not ok %d %s') % (tests, what), flush=True)
    if not condition:
        # What was on screen, for whoever reads the log.
        shot = os.path.abspath('atspi-failure.png')
        subprocess.run(['import', '-window', 'root', shot], check=False)
        print('# screen at the failure: ' + shot, flush=True)
        raise SystemExit(1)


def totp(uri, when):
    query = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
    secret = query['secret'][0]
    key = base64.b32decode(secret + '=' * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack('>Q', int(when) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return '%06d' % (value % 1000000)


def read_accounts(stream):
    """`atrium --demo` prints its accounts; name -> (password, otpauth URI or None)."""
    accounts, last = {}, None
    deadline = time.monotonic() + 240
    for line in stream:
        words = line.split()
        if len(words) == 4 and words[2] == 'password':
            last = words[0]
            accounts[last] = [words[3], None]
        elif len(words) == 3 and words[0] == 'second' and last is not None:
            accounts[last][1] = words[2]
        if 'demo-admin' in accounts or time.monotonic() > deadline:
            break
    return accounts


# Each search walks part of the app's tree over D-Bus, one call per node and nothing
# cached: on a loaded machine one walk takes tens of seconds (a CI run needed over a
# minute for the sign-in page's), so the deadline is generous; a real failure still ends.
def wait_for(find, what, seconds=240, dump=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = find()
            if found is not None:
                return found
        except tree.SearchError:
            pass
        time.sleep(0.5)
    if dump is not None:  # what the page did offer assistive technologies
        for node in dump.findChildren(lambda n: n.roleName in ('text', 'push button', 'entry',
                                                               'password text'),
                                      showingOnly=False):
            print('# %s %r showing=%s' % (node.roleName, node.name, node.showing), flush=True)
    ok(False, what)


def named(root, role, name):  # noqa: E302
    """The first @role under @root whose accessible name contains @name. What libatspi
    kept of @root's subtree is dropped first: it keeps children the app announced even
    with caching off, and they go stale when a step of the page is swapped for another."""
    root.clear_cache()
    return root.findChild(GenericPredicate(roleName=role), retry=False, requireResult=False,
                          showingOnly=False) if name is None else \
        next((n for n in root.findChildren(GenericPredicate(roleName=role), showingOnly=False)
              if name in (n.name or '')), None)


def type_into(field, text):
    """On the keyboard (X test events, xdotool), into the field the page gave the
    focus to: GTK 4.8 offers neither AT-SPI's editable text nor screen coordinates, and
    dogtail's own key events do not reach it here. The next state the test waits for
    shows whether the text arrived."""
    time.sleep(1)
    subprocess.run(['xdotool', 'type', '--delay', '30', text], check=True)
    subprocess.run(['xdotool', 'key', 'Return'], check=True)


def main():
    binary = sys.argv[1]
    config.logDebugToStdOut = False
    print('1..4', flush=True)
    app_process = subprocess.Popen([binary, '--demo'], stdout=subprocess.PIPE, text=True)
    try:
        accounts = read_accounts(app_process.stdout)
        ok('demo-staff' in accounts and accounts['demo-staff'][1], 'the demo prints its accounts')
        password, uri = accounts['demo-staff']

        # The app's tree changes as it signs in: nothing is cached on this side.
        tree.root.set_cache_mask(Atspi.Cache.NONE)
        app = wait_for(lambda: tree.root.application('atrium'), 'the app is on the AT-SPI bus')
        # The sign-in page's own subtree: searches stay short (nothing is cached here).
        login = wait_for(lambda: app.findChild(GenericPredicate(roleName='filler',
                                                                name='AtriumLoginPage'),
                                               retry=False, requireResult=False,
                                               showingOnly=False),
                         'the sign-in page is on the AT-SPI bus')
        user = wait_for(lambda: named(login, 'text', 'User Name'), 'the user name field is shown')
        # The page exists before the backend is ready; its demo accounts come with it (a
        # sanitizer build or a loaded machine takes its time), then the page is shown and
        # takes the keyboard.
        wait_for(lambda: named(login, 'push button', 'demo-staff'), 'the demo accounts are listed',
                 240)
        time.sleep(5)
        type_into(user, 'demo-staff')
        # Return in the user name moves to the password; Return there signs in.
        type_into(named(login, 'text', 'Password'), password)

        # The code field is in the accessible tree only while the code is asked for.
        code = wait_for(lambda: named(login, 'text', 'Code'), 'the second factor is asked for',
                        dump=login)
        ok(named(login, 'text', 'Password') is None, 'signing in asks for the second factor')
        # A code computed here from the account's secret; a new 30 s step if the current
        # one is about to end while typing.
        if 30 - time.time() % 30 < 4:
            time.sleep(30 - time.time() % 30 + 0.5)
        type_into(code, totp(uri, time.time()))

        # The staff's page of today's bookings is shown only to staff, once signed in,
        # and its summary is written once the site's list has been read.
        page = wait_for(lambda: next((n for n in app.findChildren(
            GenericPredicate(roleName='filler', name='AtriumTodayPage'), showingOnly=False)
            if n.visible), None), 'the staff page is shown after the second factor')
        table = named(page, 'tree table', 'Today')
        summary = wait_for(lambda: named(page, 'label', 'bookings today') or
                           named(page, 'label', 'booking today'),
                           'today\'s bookings were read')
        ok(table is not None and summary is not None,
           'today\'s bookings list is reached: ' + summary.name)
        search = named(app, 'entry', 'Search patron or place')
        ok(search is not None, 'its search field has an accessible name')
    finally:
        app_process.terminate()
        try:
            app_process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app_process.kill()


if __name__ == '__main__':
    main()
