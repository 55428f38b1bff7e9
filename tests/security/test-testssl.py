#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""testssl.sh against a real atrium-server on 127.0.0.1, in one TLS profile.

  --profile tls13   the default configuration: TLS 1.3 only
  --profile tls12   `[tls] min_version = 1.2`: TLS 1.2 with AEAD + forward-secret suites only

Fails on any finding rated MEDIUM, HIGH or CRITICAL except those that are only about the
throwaway self-signed certificate, on any warning that says a check could not be made, and
asserts from the JSON: no SSLv2/SSLv3/TLS 1.0/TLS 1.1, TLS 1.3 offered, no CBC (nor any
other non-AEAD) suite offered, renegotiation not vulnerable, HSTS sent.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atrium_security as sec  # noqa: E402

# Findings that are only about the self-signed test certificate: nobody signed it, so it has
# no chain of trust, no CRL, no OCSP responder or stapling, no CT log entries. A production
# certificate from a CA has all of these; none of them says anything about the server.
CERTIFICATE_ONLY = {
    'cert_chain_of_trust': 'self signed',
    'cert_revocation': '',
    'cert_crlDistributionPoints': '',
    'cert_ocspURL': '',
    'OCSP_stapling': '',
    'cert_mustStapleExtension': '',
    'certificate_transparency': '',
    'cert_caIssuers': '',
    'DNS_CAArecord': '',
}

# Warnings about the scanning machine, not the server: Debian's OpenSSL 3 has no GOST engine.
HARMLESS_WARNINGS = {'engine_problem'}

BAD = ('MEDIUM', 'HIGH', 'CRITICAL')
AEAD_MARKS = ('_GCM_', '_CHACHA20_POLY1305_', '_CCM_SHA', '_CCM')
TLS13_SUITES = ('TLS_AES_', 'TLS_CHACHA20_')

PROFILES = {
    'tls13': {'config': {}, 'tls12': False},
    'tls12': {'config': {'tls': {'min_version': '1.2'}}, 'tls12': True},
}


def parse_cipher(finding):
    """'TLS 1.2   xc02c   ECDHE-ECDSA-AES256-GCM-SHA384  ECDH 253  AESGCM  256  TLS_ECDHE_…'"""
    words = finding.split()
    iana = next((w for w in reversed(words) if w.startswith(('TLS_', 'SSL_'))), words[-1])
    return ' '.join(words[:2]), iana


def is_aead(iana):
    return any(mark in iana for mark in AEAD_MARKS) and '_CCM_8' not in iana


def is_forward_secret(iana):
    return iana.startswith(TLS13_SUITES) or '_ECDHE_' in iana or '_DHE_' in iana


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--profile', choices=sorted(PROFILES), required=True)
    args = parser.parse_args()
    profile = PROFILES[args.profile]

    tap = sec.Tap()
    testssl = sec.require_tool(tap, 'testssl')
    openssl = sec.require_tool(tap, 'openssl')

    with sec.Workdir('testssl-' + args.profile) as work:
        server = sec.AtriumServer(tap, work, sec.config_text(sec.SCANNER_CONFIG, profile['config']))
        server.start()
        json_path = os.path.join(work, 'testssl.json')
        log_path = os.path.join(work, 'testssl.log')
        env = dict(os.environ, TMPDIR=work)
        # --warnings off, not batch: batch ends the whole scan at the first warning, which
        # leaves nothing to read; warnings are judged below instead. No DNS at all, no
        # CRL/OCSP fetches (--phone-out is off), every check with a time limit.
        # The checks: protocols, cipher categories, forward secrecy, server preference,
        # server defaults and certificate, HTTP headers, all vulnerabilities, and every
        # cipher per protocol. Left out: client simulations (-c), information only.
        command = [testssl, '--quiet', '--warnings', 'off', '--color', '0', '--nodns', 'none',
                   '--openssl', openssl, '--connect-timeout', '10', '--openssl-timeout', '10',
                   '-p', '-s', '-f', '-P', '-S', '-h', '-U', '-E',
                   '--jsonfile', json_path,
                   'https://127.0.0.1:%d/healthz' % server.https_port]
        tap.diag('running: ' + ' '.join(command[1:]))
        started = time.monotonic()
        with open(log_path, 'w') as log:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, env=env, timeout=360)
        elapsed = time.monotonic() - started
        tap.diag('testssl.sh exited %d after %.0f s' % (result.returncode, elapsed))
        with open(log_path, errors='replace') as log:
            tap.diag(log.read())

        try:
            with open(json_path) as f:
                findings = json.load(f)
        except (OSError, ValueError) as e:
            findings = []
            tap.diag('no JSON from testssl.sh: %s' % e)
        by_id = {}
        for f in findings:
            by_id.setdefault(f['id'], []).append(f)

        def finding(key):
            entries = by_id.get(key)
            return entries[0]['finding'] if entries else '(not reported)'

        tap.ok(len(findings) > 50 and 'scanTime' in by_id,
               'testssl.sh completed a scan (%d findings)' % len(findings))
        fatal = [f for f in findings if f['severity'] == 'FATAL']
        tap.ok(not fatal, 'no FATAL scan problem',
               '\n'.join('%s: %s' % (f['id'], f['finding']) for f in fatal))

        counts = {}
        for f in findings:
            counts[f['severity']] = counts.get(f['severity'], 0) + 1
        tap.diag('findings by severity: ' +
                 ', '.join('%s %d' % item for item in sorted(counts.items())))

        # 1. Nothing at MEDIUM or above but what the self-signed certificate causes.
        excused, bad, known = [], [], []
        for f in findings:
            if f['severity'] not in BAD:
                continue
            mark = CERTIFICATE_ONLY.get(f['id'])
            if mark is not None and mark in f['finding']:
                excused.append(f)
            elif profile['tls12'] and f['id'] == 'secure_client_renego':
                # Known, documented limitation of the optional TLS 1.2 profile: glib-networking
                # 2.74 performs every rehandshake a TLS 1.2 client asks for (docs/decisions.md).
                known.append(f)
            else:
                bad.append(f)
        for f in known:
            tap.diag('KNOWN LIMITATION of [tls] min_version = 1.2: %s %s: %s'
                     % (f['severity'], f['id'], f['finding']))
        for f in excused:
            tap.diag('excused (self-signed test certificate): %s %s: %s'
                     % (f['severity'], f['id'], f['finding']))
        tap.ok(not bad, 'no finding at MEDIUM or above except the test certificate\'s (%d found)'
               % len(bad),
               '\n'.join('%s %s: %s' % (f['severity'], f['id'], f['finding']) for f in bad))

        warnings = [f for f in findings
                    if f['severity'] == 'WARN' and f['id'] not in HARMLESS_WARNINGS]
        tap.ok(not warnings, 'every check could be made (no WARN finding)',
               '\n'.join('%s: %s' % (f['id'], f['finding']) for f in warnings))

        # 2. Protocols.
        for key, name in (('SSLv2', 'SSLv2'), ('SSLv3', 'SSLv3'), ('TLS1', 'TLS 1.0'),
                          ('TLS1_1', 'TLS 1.1')):
            tap.ok(finding(key).startswith('not offered'),
                   '%s not offered (%s)' % (name, finding(key)))
        if profile['tls12']:
            tap.ok(finding('TLS1_2').startswith('offered'),
                   'TLS 1.2 offered (%s)' % finding('TLS1_2'))
        else:
            tap.ok(finding('TLS1_2').startswith('not offered'),
                   'TLS 1.2 not offered (%s)' % finding('TLS1_2'))
        tap.ok(finding('TLS1_3').startswith('offered'),
               'TLS 1.3 offered (%s)' % finding('TLS1_3'),
               'testssl.sh\'s own TLS 1.3 ClientHello carries no renegotiation_info (RFC 8446 '
               'does not need one); a server that insists on it (GnuTLS %SAFE_RENEGOTIATION) '
               'refuses such clients' if 'unexpected' in finding('TLS1_3') else None)

        # 3. Cipher suites: categories, then every suite offered per protocol.
        for key in ('cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW',
                    'cipherlist_3DES_IDEA', 'cipherlist_AVERAGE'):
            tap.ok(finding(key).startswith('not offered'), '%s: %s' % (key, finding(key)))
        suites = [parse_cipher(f['finding']) for f in findings if f['id'].startswith('cipher-')]
        for proto, iana in suites:
            tap.diag('offered: %-8s %s' % (proto, iana))
        tap.ok(any(p == 'TLS 1.3' for p, _ in suites),
               'testssl.sh listed the TLS 1.3 suites (%d suites in all)' % len(suites))
        cbc = [iana for _, iana in suites if '_CBC_' in iana]
        tap.ok(not cbc, 'no CBC suite offered', ', '.join(cbc))
        not_aead = [iana for _, iana in suites if not is_aead(iana)]
        tap.ok(not not_aead, 'every suite offered is AEAD', ', '.join(not_aead))
        not_fs = [iana for _, iana in suites if not is_forward_secret(iana)]
        tap.ok(not not_fs, 'every suite offered is forward secret', ', '.join(not_fs))
        if profile['tls12']:
            tls12 = [iana for p, iana in suites if p == 'TLS 1.2']
            tap.ok(tls12 and all(is_aead(s) and is_forward_secret(s) for s in tls12),
                   'TLS 1.2 offers only AEAD + forward-secret suites (%s)' % ', '.join(tls12))

        # 4. Renegotiation.
        tap.ok(by_id.get('secure_renego') and by_id['secure_renego'][0]['severity'] == 'OK'
               and 'VULNERABLE' not in finding('secure_renego'),
               'secure renegotiation not vulnerable (%s)' % finding('secure_renego'))
        if profile['tls12']:
            # TLS 1.3 has no renegotiation; the 1.2 profile's is the known limitation above.
            tap.diag('client-initiated renegotiation with TLS 1.2: %s'
                     % finding('secure_client_renego'))
        else:
            tap.ok(by_id.get('secure_client_renego') and
                   by_id['secure_client_renego'][0]['severity'] == 'OK'
                   and 'VULNERABLE' not in finding('secure_client_renego'),
                   'client-initiated renegotiation not vulnerable (%s)'
                   % finding('secure_client_renego'))

        # 5. What every HTTPS answer must carry.
        tap.ok(by_id.get('HSTS_time') and by_id['HSTS_time'][0]['severity'] == 'OK',
               'HSTS sent (%s)' % finding('HSTS_time'))

        server.stop_and_check()
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
