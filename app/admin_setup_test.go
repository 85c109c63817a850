package app

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// flowhq serve without an admin and without FLOWHQ_ADMIN_* logs a setup
// link; the link creates the first admin, who is then signed in.
func TestServeLogsSetupLink(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	cmd := childCommand("serve")
	cmd.Env = append(cmd.Env, "FLOWHQ_ADDR=127.0.0.1:0", "FLOWHQ_DATA_DIR="+t.TempDir(), "FLOWHQ_WHATSAPP=sim")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	type found struct{ token, addr, link string }
	got := make(chan found, 1)
	go func() {
		tokenRe := regexp.MustCompile(`url="?(\S+/admin/setup\?token=([A-Za-z0-9_-]+))`)
		addrRe := regexp.MustCompile(`msg="flowhq serving" addr=(\S+)`)
		var f found
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := tokenRe.FindStringSubmatch(sc.Text()); m != nil {
				f.link, f.token = m[1], m[2]
			}
			if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
				f.addr = m[1]
				got <- f
			}
		}
	}()
	var f found
	select {
	case f = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	if f.token == "" {
		t.Fatal("no setup link logged")
	}
	_, port, _ := net.SplitHostPort(f.addr)
	if !strings.Contains(f.link, ":"+port+"/admin/setup") {
		t.Fatalf("setup link %s does not name the bound port %s", f.link, port)
	}
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: fmt.Sprintf("http://127.0.0.1:%s", port), hc: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if r := c.get("/admin/setup?token=" + f.token); r.status != http.StatusOK {
		t.Fatalf("setup link: %d", r.status)
	}
	r := c.post("/admin/setup", url.Values{"token": {f.token}, "email": {"first@example.com"}, "password": {"first-admin-pw"}, "confirm": {"first-admin-pw"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	if p := c.get("/admin"); p.status != http.StatusOK || !strings.Contains(p.body, "first@example.com") {
		t.Fatalf("after setup: %d", p.status)
	}
	if r := c.get("/admin/setup?token=" + f.token); r.status != http.StatusNotFound {
		t.Fatalf("setup link after use: %d", r.status)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop after SIGTERM")
	}
}
