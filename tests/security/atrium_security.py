# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the `security` suite: TAP output and a real `atrium-server serve` on loopback.

Each driver starts the server as an operator would: a fresh store made with `init`, accounts
made with `useradd`, a configuration file, a self-signed certificate made with openssl, then
`serve --https 127.0.0.1:0 --http 127.0.0.1:0`, reading the ports the server prints. Nothing
here reaches beyond loopback.
"""

import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

# The scanners hammer one address with failed sign-ins and odd requests: the defences that
# would (rightly) block or slow them are relaxed for the run (per address and per account).
# `ip_max_failures` tops out at 10000.
SCANNER_CONFIG = {
    'security': {'blocking': 'false'},
    'limits': {'requests_per_minute_per_ip': '1000000',
               'requests_per_minute_per_account': '1000000'},
    'brute_force': {'ip_max_failures': '10000'},
}

PATRON_PASSWORD = 'Blue-Cactus-Lamp7'


class Tap:
    """TAP version 13 on stdout, the plan at the end; `finish()` gives the exit status."""

    def __init__(self):
        self.count = 0
        self.failed = []
        print('TAP version 13', flush=True)

    def diag(self, text=''):
        for line in str(text).splitlines() or ['']:
            print('# ' + line, flush=True)

    def ok(self, condition, description, detail=None):
        self.count += 1
        description = description.replace('#', '')   # '#' starts a TAP directive
        if condition:
            print('ok %d - %s' % (self.count, description), flush=True)
        else:
            self.failed.append(description)
            print('not ok %d - %s' % (self.count, description), flush=True)
            if detail:
                self.diag(detail)
        return bool(condition)

    def bail(self, reason):
        print('Bail out! ' + reason.replace('\n', ' '), flush=True)
        sys.exit(1)

    def finish(self):
        print('1..%d' % self.count, flush=True)
        if self.failed:
            self.diag('%d of %d checks failed:' % (len(self.failed), self.count))
            for name in self.failed:
                self.diag('  ' + name)
        return 1 if self.failed or self.count == 0 else 0


def require_tool(tap, name):
    path = shutil.which(name)
    if path is None:
        tap.bail('%s is not installed: run tools/install-deps' % name)
    return path


def config_text(*groups):
    """Merges {group: {key: value}} dictionaries into a GKeyFile text."""
    merged = {}
    for group in groups:
        for name, keys in group.items():
            merged.setdefault(name, {}).update(keys)
    lines = []
    for name, keys in merged.items():
        lines.append('[%s]' % name)
        lines.extend('%s = %s' % item for item in keys.items())
        lines.append('')
    return '\n'.join(lines)


class Workdir:
    """A private temporary directory, removed at exit unless ATRIUM_KEEP_SECURITY_DIR=1."""

    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix='atrium-%s-' % prefix)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        if os.environ.get('ATRIUM_KEEP_SECURITY_DIR') == '1':
            print('# kept %s' % self.path, flush=True)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


def make_certificate(directory, days=90):
    """A self-signed EC P-256 certificate for localhost and 127.0.0.1.

    90 days: testssl.sh rates a certificate that expires within 30 days as HIGH, which says
    nothing about the server, so the throwaway certificate lives long enough not to."""
    cert = os.path.join(directory, 'server.crt')
    key = os.path.join(directory, 'server.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec',
                    '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', str(days),
                    '-subj', '/CN=localhost',
                    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
                    '-keyout', key, '-out', cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class AtriumServer:
    """`atrium-server serve` with an HTTPS and a redirecting HTTP listener on 127.0.0.1."""

    def __init__(self, tap, workdir, config, users=(('patron1', PATRON_PASSWORD),),
                 env=None):
        self.tap = tap
        self.env = dict(os.environ, **(env or {}))
        self.binary = os.environ.get('ATRIUM_SERVER')
        if not self.binary or not os.access(self.binary, os.X_OK):
            tap.bail('ATRIUM_SERVER does not name the atrium-server binary')
        self.dir = workdir
        self.data_dir = os.path.join(workdir, 'data')
        self.config_path = os.path.join(workdir, 'server.conf')
        self.stdout_path = os.path.join(workdir, 'server.out')
        self.stderr_path = os.path.join(workdir, 'server.err')
        self.users = users
        self.config = config
        self.proc = None
        self.https_port = None
        self.http_port = None
        self.cert = self.key = None

    def _run(self, args, stdin_text=None):
        result = subprocess.run([self.binary] + args, input=stdin_text, text=True,
                                capture_output=True)
        if result.returncode != 0:
            self.tap.bail('atrium-server %s failed (%d): %s'
                          % (args[0], result.returncode, result.stderr.strip()))
        return result.stdout

    def start(self):
        self._run(['init', '--data-dir', self.data_dir])
        for name, password in self.users:
            self._run(['useradd', '--data-dir', self.data_dir, name,
                       '--email', '%s@example.org' % name, '--role', 'patron',
                       '--password-stdin'], stdin_text=password + '\n')
        with open(self.config_path, 'w') as f:
            f.write(self.config)
        self.cert, self.key = make_certificate(self.dir)

        # Files, not pipes: a scan makes the server log a lot, and a full pipe would stall it.
        self._out = open(self.stdout_path, 'w')
        self._err = open(self.stderr_path, 'w')
        self.proc = subprocess.Popen(
            [self.binary, 'serve', '--data-dir', self.data_dir, '--config', self.config_path,
             '--https', '127.0.0.1:0', '--cert', self.cert, '--key', self.key,
             '--http', '127.0.0.1:0'],
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, env=self.env)

        deadline = time.monotonic() + 60
        while self.https_port is None or self.http_port is None:
            if self.proc.poll() is not None:
                self.tap.bail('atrium-server serve exited with %d before listening: %s'
                              % (self.proc.returncode, self.stderr_tail()))
            if time.monotonic() > deadline:
                self.stop()
                self.tap.bail('atrium-server serve did not say where it listens within 60 s')
            time.sleep(0.05)
            with open(self.stdout_path) as f:
                for line in f:
                    if line.startswith('listening: https port '):
                        self.https_port = int(line.split()[-1])
                    elif line.startswith('listening: http (redirect) port '):
                        self.http_port = int(line.split()[-1])

        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = self.request('GET', '/healthz')
                if status == 200 and json.loads(body).get('status') == 'ok':
                    break
            except (OSError, ValueError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                self.stop()
                self.tap.bail('/healthz did not answer 200 within 30 s')
            time.sleep(0.1)
        self.tap.diag('atrium-server pid %d: https 127.0.0.1:%d, http (redirect) 127.0.0.1:%d'
                      % (self.proc.pid, self.https_port, self.http_port))
        return self

    def stderr_tail(self, lines=30):
        try:
            with open(self.stderr_path, errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def ssl_context(self):
        context = ssl.create_default_context(cafile=self.cert)
        return context

    def request(self, method, path, body=None, headers=None, timeout=30):
        """One request over a fresh TLS connection that verifies our certificate."""
        conn = http.client.HTTPSConnection('127.0.0.1', self.https_port, timeout=timeout,
                                           context=self.ssl_context())
        try:
            hdrs = {'User-Agent': 'atrium-security-test'}
            hdrs.update(headers or {})
            if body is not None and not isinstance(body, (bytes, str)):
                body = json.dumps(body)
                hdrs.setdefault('Content-Type', 'application/json')
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode('utf-8', 'replace')
        finally:
            conn.close()

    def login(self, name, password):
        status, _, body = self.request('POST', '/api/v1/auth/login',
                                       {'username': name, 'password': password})
        if status != 200:
            self.tap.bail('login as %s answered %d: %s' % (name, status, body))
        answer = json.loads(body)
        if answer.get('status') != 'ok':
            self.tap.bail('login as %s did not give a session: %s' % (name, body))
        return answer['token']

    def stop(self, timeout=60):
        """SIGTERM, then waits; returns the exit status (negative: killed by a signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.tap.diag('atrium-server did not stop within %d s of SIGTERM: killed' % timeout)
        self._out.close()
        self._err.close()
        status = self.proc.returncode
        self.proc = None
        return status

    def stop_and_check(self):
        status = self.stop()
        if not self.tap.ok(status == 0, 'atrium-server exits 0 after SIGTERM (got %s)' % status):
            self.tap.diag('server stderr (tail):\n' + self.stderr_tail())
        return status


def _listening_sockets():
    """{socket inode: (family, address hex, port)} of every listening TCP socket."""
    sockets = {}
    for family, table in (('ipv4', '/proc/net/tcp'), ('ipv6', '/proc/net/tcp6')):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == '0A':   # TCP_LISTEN
                        address, port = fields[1].rsplit(':', 1)
                        sockets[fields[9]] = (family, address, int(port, 16))
        except FileNotFoundError:
            pass
    return sockets


def _socket_inodes(pid):
    inodes = set()
    fd_dir = '/proc/%d/fd' % pid
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return inodes
    for fd in names:
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith('socket:['):
            inodes.add(target[8:-1])
    return inodes


def listening_ports_of(pid):
    """{(family, address hex, port)} a process listens on, from /proc."""
    sockets = _listening_sockets()
    return {sockets[i] for i in _socket_inodes(pid) if i in sockets}


def listening_owners():
    """{(family, port): pid} for the listening sockets whose process we may look into."""
    sockets = _listening_sockets()
    owners = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            for inode in _socket_inodes(int(name)):
                if inode in sockets:
                    family, _, port = sockets[inode]
                    owners[(family, port)] = int(name)
    return owners


def process_name(pid):
    try:
        with open('/proc/%d/comm' % pid) as f:
            return f.read().strip()
    except OSError:
        return '?'
