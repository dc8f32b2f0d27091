#!/usr/bin/env python3
"""Two lendhub instances on one PostgreSQL database behind one Caddy with two upstreams, as
README's "Several instances" sets them up; one instance is killed (SIGKILL) while eight clients
lend devices through Caddy over HTTPS.

What must hold, as a coordinator would check it afterwards:
- no request is lost beyond those in flight on the killed instance: every other one is answered
  by the instance left (Caddy tries it when the other refuses connections);
- a client that retries a request whose answer it lost gets either the loan or
  409 device_not_available, never a second loan: no device is lent twice, and every loan the
  database holds is one a client was told about.

Usage: two_instances.py path/to/lendhub   (PostgreSQL on 127.0.0.1:5432, caddy on PATH)
"""

import json
import os
import queue
import secrets
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

LENDHUB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/lendhub")
SERVER = "postgres://postgres@127.0.0.1:5432"
PORTS = (18101, 18102)
HTTPS_PORT = 18453
SITE = f"https://localhost:{HTTPS_PORT}"
PASSWORD = "two instances password"
CLIENTS = 8


def psql(database, sql):
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def main():
    name = "lendhub_two_" + secrets.token_hex(6)
    psql("postgres", f"CREATE DATABASE {name}")
    work = tempfile.mkdtemp()
    processes = []
    try:
        run(name, work, processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        subprocess.run(["rm", "-rf", work], check=False)


def environment(database, port=0):
    return dict(
        os.environ,
        LENDHUB_DATABASE_URL=f"{SERVER}/{database}",
        LENDHUB_BIND=f"127.0.0.1:{port}",
        LENDHUB_PUBLIC_URL=SITE,
        LENDHUB_TRUSTED_PROXIES="127.0.0.1",
        LENDHUB_PASSWORD=PASSWORD,
        RUST_LOG="warn",
    )


def run(database, work, processes):
    cli = environment(database)
    subprocess.run([LENDHUB, "user", "create", "--role", "admin", "--email", "admin@example.org",
                    "--name", "Ada Admin", "--organisation", "Two Homes", "--prefix", "TWO"],
                   env=cli, check=True, capture_output=True)
    subprocess.run([LENDHUB, "demo", "--devices", "400"], env=cli, check=True, capture_output=True)

    instances = []
    for port in PORTS:
        log = open(os.path.join(work, f"lendhub-{port}.log"), "w")
        process = subprocess.Popen([LENDHUB, "serve"], env=environment(database, port),
                                   stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        instances.append(process)
    for port in PORTS:
        wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz").status == 200,
                 f"lendhub on port {port}")

    with open(os.path.join(work, "Caddyfile"), "w") as caddyfile:
        caddyfile.write(f"""{{
	admin off
	local_certs
	skip_install_trust
	http_port 18082
	https_port {HTTPS_PORT}
	storage file_system {work}/caddy
}}
localhost:{HTTPS_PORT} {{
	reverse_proxy 127.0.0.1:{PORTS[0]} 127.0.0.1:{PORTS[1]} {{
		lb_policy round_robin
		lb_try_duration 10s
		lb_try_interval 100ms
		fail_duration 30s
	}}
}}
""")
    caddy = subprocess.Popen(["caddy", "run", "--config", os.path.join(work, "Caddyfile"),
                              "--adapter", "caddyfile"],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "caddy.log"), "w"))
    processes.append(caddy)
    root = os.path.join(work, "caddy/pki/authorities/local/root.crt")
    wait_for(lambda: os.path.exists(root), "Caddy's local certificate authority")
    tls = ssl.create_default_context(cafile=root)

    def call(method, path, body=None, token=None):
        request = urllib.request.Request(SITE + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, context=tls, timeout=30) as answer:
                return answer.status, decode(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, decode(error.read())

    wait_for(lambda: call("GET", "/healthz")[0] == 200, "Caddy")
    status, answer = call("POST", "/api/v1/tokens", {"email": "admin@example.org", "password": PASSWORD})
    assert status == 201, (status, answer)
    token = answer["token"]
    status, borrower = call("POST", "/api/v1/borrowers",
                            {"name": "Load Borrower", "phone": "01234 567890", "consent": {"loan": True}}, token)
    assert status == 201, (status, borrower)
    tags, cursor = [], None
    while True:
        after = "" if cursor is None else "&cursor=" + urllib.parse.quote(cursor)
        status, page = call("GET", "/api/v1/devices?status=available&limit=100" + after, token=token)
        assert status == 200, (status, page)
        tags += [device["asset_tag"] for device in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert len(tags) >= 200, len(tags)

    # Eight clients lend one device each at a time; one instance is killed after 60 answers.
    work_queue = queue.Queue()
    for tag in tags:
        work_queue.put(tag)
    lent, lost, refused = {}, [], []
    lock = threading.Lock()
    answered = threading.Semaphore(0)

    def client():
        while True:
            try:
                tag = work_queue.get_nowait()
            except queue.Empty:
                return
            body = {"asset_tag": tag, "borrower_id": borrower["id"], "due_on": due_on()}
            try:
                status, answer = call("POST", "/api/v1/loans", body, token)
            except Exception as error:  # noqa: BLE001 - any failure in flight is a lost answer
                status, answer = None, str(error)
            with lock:
                if status == 201:
                    lent[tag] = answer["id"]
                elif status is None or status >= 500:
                    lost.append(tag)
                else:
                    refused.append((tag, status, answer))
            answered.release()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for _ in range(60):
        if not answered.acquire(timeout=60):
            raise SystemExit("FAILED: no answer for a minute")
    instances[0].send_signal(signal.SIGKILL)
    instances[0].wait()
    killed_at = len(lent) + len(lost) + len(refused)
    for thread in threads:
        thread.join(timeout=300)
        if thread.is_alive():
            raise SystemExit("FAILED: a client did not finish in five minutes")

    assert not refused, f"refused: {refused[:5]}"
    assert len(lost) <= CLIENTS, f"{len(lost)} requests lost, more than the {CLIENTS} in flight: {lost}"
    answered_after = len(tags) - killed_at
    print(f"{len(tags)} loans asked for; instance 1 killed after {killed_at} answers; "
          f"{len(lent)} lent, {len(lost)} lost in flight; {answered_after} answered after the kill")
    assert len(lent) + len(lost) == len(tags)

    # A client retries what it lost: it gets the loan, or learns the device went out after all.
    for tag in lost:
        status, answer = call("POST", "/api/v1/loans",
                              {"asset_tag": tag, "borrower_id": borrower["id"], "due_on": due_on()}, token)
        assert status in (201, 409), (tag, status, answer)
        if status == 409:
            assert answer["error"]["code"] == "device_not_available", answer

    doubled = psql(database, "SELECT COUNT(*) FROM (SELECT device_id FROM loans WHERE status = 'open' "
                             "GROUP BY device_id HAVING COUNT(*) > 1) AS d")
    assert doubled == "0", f"{doubled} devices lent twice"
    held = psql(database, f"SELECT COUNT(*) FROM loans WHERE borrower_id = {borrower['id']}")
    assert int(held) == len(tags), f"{held} loans in the database for {len(tags)} devices asked for"
    for tag, loan in lent.items():
        row = psql(database, f"SELECT d.asset_tag FROM loans l JOIN devices d ON d.id = l.device_id "
                             f"WHERE l.id = {loan} AND l.status = 'open'")
        assert row == tag, (loan, tag, row)
    status, _ = call("GET", "/readyz")
    assert status == 200, "the instance left still serves through Caddy"
    print("two instances behind Caddy: one killed mid-load, no loan lost or doubled")


def decode(body):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def due_on():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))


def wait_for(check, what, seconds=15):
    deadline = time.time() + seconds
    while True:
        try:
            if check():
                return
        except Exception as error:  # noqa: BLE001 - not up yet
            last = error
        else:
            last = "not yet"
        if time.time() > deadline:
            raise SystemExit(f"FAILED: {what} did not start: {last}")
        time.sleep(0.1)


if __name__ == "__main__":
    import urllib.parse  # noqa: F401 - used by call()'s paging
    main()
