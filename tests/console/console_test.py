#!/usr/bin/env python3
"""The admin console (docs/server.md, "The console") and GET /metrics.

    console_test.py FIELDSYNC FIELDSYNC_SERVER OUT_DIR metrics|browser

Starts a fieldsync-server on 127.0.0.1 (free ports) with the console,
makes a device with a forced shortfall (a negative_stock exception), then:

- metrics: parses GET /metrics with prometheus_client's text-format
  parser and checks the families and their values;
- browser: drives the console in headless Chromium (chromedriver):
  signs in, issues an enrollment token that then enrolls a device,
  resolves the exception, closes a period; checks each page's key texts
  and saves a screenshot of each into OUT_DIR; and checks the cookie
  flags and the CSRF refusals with plain HTTP requests.
"""
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery staple"


def run(*argv, stdin=None):
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {r.returncode}: {r.stderr}")
    return r.stdout


class Setup:
    def __init__(self, fieldsync, server, work):
        self.f, self.s, self.work = fieldsync, server, work
        self.data = os.path.join(work, "srv")
        # First start makes the data directory; then the password; then serve.
        first = subprocess.Popen([server, "--data", self.data, "--company", "ACME", "--listen", "127.0.0.1:0"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first.stdout.readline()
        first.terminate()
        first.wait(10)
        bad = subprocess.run([server, "--data", self.data, "admin-password"], input="short\n",
                             capture_output=True, text=True)
        assert bad.returncode == 3 and "at least 10" in bad.stderr, bad.stderr
        run(server, "--data", self.data, "admin-password", stdin=PASSWORD + "\n")
        self.proc = subprocess.Popen(
            [server, "--data", self.data, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = [self.proc.stdout.readline(), self.proc.stdout.readline()]
        self.console = re.search(r"console on (http://[0-9.:]+)/", lines[1]).group(1)
        # A device whose forced issue takes WH1 below zero: negative_stock.
        self.office = os.path.join(work, "office.db")
        run(fieldsync, "--db", self.office, "enroll", self.token("admin"))
        run(fieldsync, "--db", self.office, "item", "add", "SEAL-KIT")
        run(fieldsync, "--db", self.office, "location", "add", "WH1", "--kind", "warehouse")
        run(fieldsync, "--db", self.office, "stock", "issue", "SEAL-KIT", "--from", "WH1", "--qty", "2", "--force")
        run(fieldsync, "--db", self.office, "sync")

    def token(self, role, *extra):
        return run(self.s, "--data", self.data, "enroll-token", "--branch", "north", "--role", role, *extra).strip()

    def exceptions(self):
        return json.loads(run(self.s, "--data", self.data, "--json", "exceptions", "list", "--all"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def http_request(url, method="GET", body=None, headers=None, opener=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def test_metrics(s):
    from prometheus_client.parser import text_string_to_metric_families
    status, headers, text = http_request(s.console + "/metrics")
    assert status == 200, status
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers["Content-Type"]
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, kind in [("fieldsync_sessions_open", "gauge"), ("fieldsync_handshakes", "counter"),
                       ("fieldsync_ops_received", "counter"), ("fieldsync_ops_sent", "counter"),
                       ("fieldsync_ingest_seconds", "histogram"), ("fieldsync_reconcile_seconds", "histogram"),
                       ("fieldsync_exceptions_open", "gauge"), ("fieldsync_device_lag_ops", "gauge"),
                       ("fieldsync_device_pending_ops", "gauge"), ("fieldsync_log_head", "gauge")]:
        assert name in families, f"{name} missing: {sorted(families)}"
        assert families[name].type == kind, (name, families[name].type)

    def sample(family, suffix="", **labels):
        for smp in families[family].samples:
            if smp.name == family + suffix and all(smp.labels.get(k) == v for k, v in labels.items()):
                return smp.value
        raise AssertionError(f"no sample {family}{suffix} {labels}")

    assert sample("fieldsync_exceptions_open", kind="negative_stock") == 1
    assert sample("fieldsync_handshakes", "_total", result="admitted") >= 1
    received = sample("fieldsync_ops_received", "_total")
    assert received >= 4, received  # the office's item, location and issue at least
    assert sample("fieldsync_ingest_seconds", "_count") >= 1
    assert sample("fieldsync_ingest_seconds", "_bucket", le="+Inf") == sample("fieldsync_ingest_seconds", "_count")
    lag = [x for x in families["fieldsync_device_lag_ops"].samples]
    assert len(lag) == 1 and lag[0].labels["role"] == "admin", lag
    pending = families["fieldsync_device_pending_ops"].samples
    assert len(pending) == 1 and pending[0].value == 0, pending  # it pushed everything it holds
    print("metrics: parsed", len(families), "families")


def test_http_guards(s):
    # Cookies: HttpOnly and SameSite=Strict; no API without a session; no POST without its CSRF token.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, headers, body = http_request(s.console + "/api/session", opener=opener)
    assert status == 200 and "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    login_token = json.loads(body)["csrf"]
    status, _, _ = http_request(s.console + "/api/login", "POST", {"password": PASSWORD}, opener=opener)
    assert status == 403, status  # no CSRF header
    status, _, _ = http_request(s.console + "/api/login", "POST", {"password": PASSWORD},
                                {"X-CSRF-Token": login_token})  # the header without its cookie
    assert status == 403, status
    status, headers, body = http_request(s.console + "/api/login", "POST", {"password": PASSWORD},
                                         {"X-CSRF-Token": login_token}, opener)
    assert status == 200 and "fs_session=" in headers["Set-Cookie"], (status, body)
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    csrf = json.loads(body)["csrf"]
    status, _, _ = http_request(s.console + "/api/overview")
    assert status == 401, status  # no session cookie
    status, _, body = http_request(s.console + "/api/periods", "POST", {"through": "2026-01-31"}, opener=opener)
    assert status == 403 and "CSRF" in body, (status, body)
    status, _, body = http_request(s.console + "/api/periods", "POST", {"through": "2026-01-31"},
                                   {"X-CSRF-Token": "0" * 48}, opener)
    assert status == 403, status
    status, _, body = http_request(s.console + "/api/periods", "POST", {"through": "tomorrow"},
                                   {"X-CSRF-Token": csrf}, opener)
    assert status == 400 and "through" in body.lower(), (status, body)
    status, headers, _ = http_request(s.console + "/")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, _, _ = http_request(s.console + "/metrics", "HEAD")
    assert status == 200, status
    status, _, body = http_request(s.console + "/api/tokens", "POST", {"branch": "b" * 100_000}, {"X-CSRF-Token": csrf}, opener)
    assert status == 413, (status, body)
    # Setting the password again (even the same one) signs everyone out.
    status, _, _ = http_request(s.console + "/api/overview", opener=opener)
    assert status == 200, status
    run(s.s, "--data", s.data, "admin-password", stdin=PASSWORD + "\n")
    status, _, _ = http_request(s.console + "/api/overview", opener=opener)
    assert status == 401, status
    print("http guards: cookies, sessions and CSRF hold")


def test_browser(s, out_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=opts)
    wait = WebDriverWait(driver, 15)
    shots = []

    def shot(name, *texts):
        body = driver.find_element(By.TAG_NAME, "body").text
        for t in texts:
            assert t in body, f"{name}: '{t}' not on the page:\n{body}"
        path = os.path.join(out_dir, f"console-{name}.png")
        driver.save_screenshot(path)
        shots.append(path)

    try:
        driver.get(s.console + "/exceptions")  # not signed in: sent to the sign-in page
        wait.until(ec.url_contains("/login"))
        field = wait.until(ec.presence_of_element_located((By.NAME, "password")))
        field.send_keys("not the password")
        driver.find_element(By.CSS_SELECTOR, "#login button").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "error"), "wrong password"))
        shot("login", "fieldsync console", "Administrator password", "wrong password")
        field.clear()
        field.send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "#login button").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "summary"), "devices"))
        wait.until(ec.text_to_be_present_in_element((By.ID, "devices"), "admin"))
        shot("devices", "Devices", "1 devices", "1 open exceptions", "north", "admin", "Last backup", "none yet")

        driver.get(s.console + "/tokens")
        wait.until(ec.presence_of_element_located((By.NAME, "branch"))).send_keys("north")
        Select(driver.find_element(By.NAME, "role")).select_by_visible_text("technician")
        driver.find_element(By.NAME, "person").send_keys("bob")
        driver.find_element(By.CSS_SELECTOR, "#issue button").click()
        wait.until(ec.visibility_of_element_located((By.ID, "issued")))
        ticket = driver.find_element(By.ID, "ticket").text
        assert ticket.startswith("fs1:"), ticket
        assert driver.find_element(By.ID, "qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
        qr_width = driver.execute_script("return document.getElementById('qr').naturalWidth")
        assert qr_width > 0, "the QR code image does not load"
        wait.until(ec.text_to_be_present_in_element((By.ID, "tokens"), "bob"))
        shot("tokens", "Enrollment", "Scan this on the device", "technician", "bob")
        # The token the console issued enrolls a device.
        bob = os.path.join(s.work, "bob.db")
        out = run(s.f, "--db", bob, "enroll", ticket)
        assert "technician" in out and "bob" in out, out

        driver.get(s.console + "/exceptions")
        row = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#exceptions tr.clickable")))
        assert "negative_stock" in row.text, row.text
        shot("exceptions", "Exceptions", "negative_stock", "SEAL-KIT at WH1", "open")
        row.click()
        wait.until(ec.visibility_of_element_located((By.ID, "detail")))
        driver.find_element(By.CSS_SELECTOR, "#resolve input[name=note]").send_keys("two kits found on the shelf")
        driver.find_element(By.CSS_SELECTOR, "#resolve input[name=adjust]").send_keys("2")
        driver.find_element(By.CSS_SELECTOR, "#resolve button").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "detail-title"), "resolved"))
        shot("exception-resolved", "negative_stock (resolved)", "two kits found on the shelf")
        resolved = [x for x in s.exceptions() if x["kind"] == "negative_stock"]
        assert resolved and resolved[0]["status"] == "resolved", resolved

        driver.get(s.console + "/periods")
        wait.until(ec.presence_of_element_located((By.NAME, "through"))).send_keys("2026-10-31")
        driver.find_element(By.CSS_SELECTOR, "#close button").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "periods"), "2026-10-31"))
        shot("periods", "Period close", "2026-10-31")

        driver.find_element(By.ID, "logout").click()
        wait.until(ec.url_contains("/login"))
        driver.get(s.console + "/")
        wait.until(ec.url_contains("/login"))  # signed out means signed out
    finally:
        driver.quit()
    print("browser: signed in, issued a token, resolved an exception, closed a period;", len(shots), "screenshots in",
          out_dir)


def main():
    fieldsync, server, out_dir, mode = sys.argv[1:5]
    os.makedirs(out_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="fieldsync-console-")
    s = Setup(fieldsync, server, work)
    try:
        if mode == "metrics":
            test_metrics(s)
        else:
            test_http_guards(s)
            test_browser(s, out_dir)
    finally:
        s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
