package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serve answers /healthz and /readyz, and SIGTERM stops it cleanly within
// the shutdown timeout.
func TestServeHealthAndGracefulStop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	cmd := childCommand("serve")
	cmd.Env = append(cmd.Env, "FLOWHQ_ADDR=127.0.0.1:0", "FLOWHQ_DATA_DIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	var logs strings.Builder
	go func() {
		re := regexp.MustCompile(`addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "serving") {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		_, port, _ := net.SplitHostPort(a)
		base = fmt.Sprintf("http://127.0.0.1:%s", port)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, body)
		}
	}
	var hcErr bytes.Buffer
	if code := Main(context.Background(), []string{"healthcheck"}, Env{Stdout: &hcErr, Stderr: &hcErr, Getenv: envOf(map[string]string{"FLOWHQ_ADDR": strings.TrimPrefix(base, "http://")})}); code != 0 {
		t.Fatalf("healthcheck against a live server: exit %d: %s", code, hcErr.String())
	}
	start := time.Now()
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
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit within 10s of SIGTERM")
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	if code := Main(context.Background(), []string{"healthcheck", "--timeout", "1s"}, Env{Stdout: &hcErr, Stderr: &hcErr, Getenv: envOf(map[string]string{"FLOWHQ_ADDR": strings.TrimPrefix(base, "http://")})}); code != 1 {
		t.Fatalf("healthcheck against a stopped server: exit %d, want 1", code)
	}
}
