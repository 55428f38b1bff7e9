#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""nmap against a real atrium-server on loopback: only the configured ports are open.

1. A TCP connect scan of every port (1-65535) of 127.0.0.1 and ::1 before the server starts
   and again once it listens: the ports that opened in between must be exactly the
   configured https and http ports. Other programs on the machine may listen on loopback
   too: a port that opened meanwhile is set aside only if /proc shows that another
   process owns it. The server's own listening sockets, read from /proc, must be those two
   ports on 127.0.0.1 and nothing else.
2. Service detection (-sV) on the two ports, as a security team would run it; its probes
   connect and reset in ways browsers do not. The server must still answer /healthz after
   its request deadline has passed for every probe connection.
3. The http port answers every method and path with a 301 to the same path on https, with
   no body, and never serves the API in the clear.

Connect scans (-sT) need no privileges and behave the same for root and other users.

The server runs with G_DEBUG=fatal-criticals rather than fatal-warnings: libsoup 3.2
g_warning()s "could not get remote address" when a client resets its connection before
the server reads its address, which is a network event that scans cause on purpose.
Every warning is still printed from the server's log.
"""

import http.client
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atrium_security as sec  # noqa: E402

HEADER_TIMEOUT = 2   # seconds; [limits] header_timeout_seconds for this run
NMAP_CONFIG = {'limits': {'header_timeout_seconds': str(HEADER_TIMEOUT)}}


def has_ipv6_loopback():
    try:
        with open('/proc/net/if_inet6') as f:
            return any(line.split()[0] == '0' * 31 + '1' for line in f)
    except OSError:
        return False


def scan(tap, nmap, work, name, target, ipv6=False, ports='-', extra=()):
    """{port: (state, service, product)} of the open TCP ports nmap finds."""
    xml_path = os.path.join(work, 'nmap-%s.xml' % name)
    command = [nmap, '-n', '-Pn', '-sT', '-T4', '--open', '-p' + ports, '-oX', xml_path]
    command += (['-6'] if ipv6 else []) + list(extra) + [target]
    started = time.monotonic()
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=120)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        tap.bail('nmap %s failed (%d): %s' % (name, result.returncode, result.stderr.strip()))
    found = {}
    for port in ET.parse(xml_path).getroot().iter('port'):
        state = port.find('state').get('state')
        service = port.find('service')
        found[int(port.get('portid'))] = (
            state,
            service.get('name', '') if service is not None else '',
            ' '.join(filter(None, (service.get('product'), service.get('version'),
                                   service.get('tunnel')))) if service is not None else '')
    tap.diag('nmap %s (%s, %.1f s): open %s'
             % (name, ' '.join(command[1:-1]).replace(xml_path, '…'), elapsed,
                ', '.join(str(p) for p in sorted(found)) or 'none'))
    return found


def attribute(tap, ports, family, server_pid):
    """Splits newly opened ports into the server's, other processes', and unknown."""
    owners = sec.listening_owners()
    foreign = set()
    for port in sorted(ports):
        pid = owners.get((family, port))
        if pid is not None and pid != server_pid:
            foreign.add(port)
            tap.diag('set aside: %s port %d opened meanwhile by pid %d (%s), not the server'
                     % (family, port, pid, sec.process_name(pid)))
    return ports - foreign


def check_redirects(tap, server):
    """Every request to the http port gets a 301 to https and nothing else."""
    cases = [('GET', '/', None), ('GET', '/healthz', None), ('HEAD', '/api/v1/me', None),
             ('GET', '/api/v1/auth/sessions?id=1&x=%27', None),
             ('POST', '/api/v1/auth/login', '{"username":"patron1","password":"%s"}'
              % sec.PATRON_PASSWORD),
             ('PUT', '/api/v1/me', '{}'), ('DELETE', '/api/v1/auth/sessions/1', None),
             ('OPTIONS', '/', None), ('PATCH', '/api/v1/users/1', '{}')]
    bad = []
    for method, path, body in cases:
        conn = http.client.HTTPConnection('127.0.0.1', server.http_port, timeout=10)
        try:
            headers = {'Authorization': 'Bearer not-a-token'}
            if body is not None:
                headers['Content-Type'] = 'application/json'
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            location = response.getheader('Location')
        finally:
            conn.close()
        expected = 'https://127.0.0.1:%d%s' % (server.https_port, path)
        line = '%s %s -> %d %s (%d bytes)' % (method, path, response.status, location,
                                             len(payload))
        tap.diag('http port: ' + line)
        if response.status != 301 or location != expected or payload:
            bad.append(line + ', expected 301 %s with no body' % expected)
    tap.ok(not bad, 'the http port answers all %d requests with a 301 to the same https URL'
           % len(cases), '\n'.join(bad))

    # Plain HTTP to the https port must not be served.
    conn = http.client.HTTPConnection('127.0.0.1', server.https_port, timeout=10)
    try:
        conn.request('GET', '/healthz')
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException) as e:
        status = type(e).__name__
    finally:
        conn.close()
    tap.ok(status != 200, 'the https port does not serve plain HTTP (%s)' % status)


def main():
    tap = sec.Tap()
    nmap = sec.require_tool(tap, 'nmap')
    ipv6 = has_ipv6_loopback()
    if not ipv6:
        tap.diag('no ::1 on this machine: IPv6 loopback not scanned')

    with sec.Workdir('nmap') as work:
        before = scan(tap, nmap, work, 'before', '127.0.0.1')
        before6 = scan(tap, nmap, work, 'before-ipv6', '::1', ipv6=True) if ipv6 else {}

        server = sec.AtriumServer(tap, work, sec.config_text(sec.SCANNER_CONFIG, NMAP_CONFIG),
                                  env={'G_DEBUG': 'gc-friendly,fatal-criticals'})
        server.start()
        configured = {server.https_port, server.http_port}

        after = scan(tap, nmap, work, 'after', '127.0.0.1')
        after6 = scan(tap, nmap, work, 'after-ipv6', '::1', ipv6=True) if ipv6 else {}

        own = sec.listening_ports_of(server.proc.pid)
        tap.diag('the server process listens on: ' + ', '.join(
            '%s %s:%d' % item for item in sorted(own)))
        tap.ok({port for _, _, port in own} == configured and
               all(family == 'ipv4' and address == '0100007F' for family, address, _ in own),
               'the server listens on exactly the configured ports, on 127.0.0.1 only')

        new = attribute(tap, set(after) - set(before), 'ipv4', server.proc.pid)
        tap.ok(new == configured,
               'nmap: the ports that opened on 127.0.0.1 are exactly https %d and http %d (%s)'
               % (server.https_port, server.http_port,
                  ', '.join(str(p) for p in sorted(new)) or 'none'))
        if ipv6:
            new6 = attribute(tap, set(after6) - set(before6), 'ipv6', server.proc.pid)
            tap.ok(not new6, 'nmap: no port opened on ::1 (%s)'
                   % (', '.join(str(p) for p in sorted(new6)) or 'none'))

        services = scan(tap, nmap, work, 'service-detection', '127.0.0.1',
                        ports=','.join(str(p) for p in sorted(configured)),
                        extra=('-sV', '--version-light'))
        for port, (state, name, product) in sorted(services.items()):
            tap.diag('  %d/tcp %s %s %s' % (port, state, name, product))
        # Every probe connection has now outlived its request deadline.
        time.sleep(HEADER_TIMEOUT + 2)
        alive = server.proc.poll() is None
        try:
            status = server.request('GET', '/healthz')[0] if alive else None
        except (OSError, http.client.HTTPException) as e:
            status = type(e).__name__
        tap.ok(alive and status == 200,
               'the server survives service detection and answers /healthz (%s)'
               % (status if alive else 'exited with %s' % server.proc.returncode),
               None if alive else 'server stderr (tail):\n' + server.stderr_tail())

        if alive:
            check_redirects(tap, server)
            server.stop_and_check()
            with open(server.stderr_path, errors='replace') as f:
                for line in f:
                    if 'WARNING' in line or 'CRITICAL' in line:
                        tap.diag('server log: ' + line.rstrip())
        else:
            server.stop()
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
