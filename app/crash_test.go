package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// childCommand runs flowhq with args in a child process.
func childCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	return cmd
}

// countLines counts journal lines starting with prefix.
func countLines(path, prefix string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte("\n"+prefix)) + map[bool]int{true: 1}[bytes.HasPrefix(b, []byte(prefix))]
}

// SIGKILL in the middle of a load, then a restart on the same database:
// every message whose handler returned true has its IN row and exactly one
// reply, and no message got two different replies.
func TestSIGKILLMidLoadLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	databases := map[string]func(t *testing.T, dir string) (args []string, open func() *store.Store){
		"sqlite": func(t *testing.T, dir string) ([]string, func() *store.Store) {
			return []string{"--data-dir", dir}, func() *store.Store {
				return storetest.Open(t, store.Config{DataDir: dir})
			}
		},
	}
	if os.Getenv("FLOWHQ_TEST_DATABASE_URL") != "" {
		databases["postgres"] = func(t *testing.T, dir string) ([]string, func() *store.Store) {
			url := storetest.PostgresURL(t)
			return []string{"--database", url}, func() *store.Store {
				return storetest.Open(t, store.Config{DatabaseURL: url})
			}
		}
	}
	for name, db := range databases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			journal := filepath.Join(dir, "journal.txt")
			dbArgs, open := db(t, dir)
			args := append([]string{"simulate", "--tenants", "20", "--chats", "5", "--messages", "4000",
				"--duplicates", "5", "--journal", journal, "--seed", "7", "--timeout", "3m"}, dbArgs...)

			first := childCommand(args...)
			var firstErr bytes.Buffer
			first.Stderr = &firstErr
			if err := first.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(2 * time.Minute)
			for countLines(journal, "ack ") < 1000 {
				if time.Now().After(deadline) {
					_ = first.Process.Kill()
					t.Fatalf("first run made no progress; stderr:\n%s", firstErr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := first.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			_ = first.Wait()
			acked := countLines(journal, "ack ")
			if acked >= 4000 {
				t.Fatalf("the first run finished before the kill (%d acks); the test proves nothing", acked)
			}

			second := childCommand(args...)
			var out, errOut bytes.Buffer
			second.Stdout, second.Stderr = &out, &errOut
			if err := second.Run(); err != nil {
				t.Fatalf("second run: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
			}
			var sum simSummary
			if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
				t.Fatalf("summary: %v: %s", err, out.String())
			}
			if sum.Lost != 0 || sum.DoubleReplies != 0 || sum.MessagesIn != 4000 {
				t.Fatalf("after restart: %+v", sum)
			}
			t.Logf("killed after %d acknowledgements; restart summary %s", acked, strings.TrimSpace(out.String()))
			verifyJournal(t, journal, open())
		})
	}
}

// verifyJournal checks the journal of acknowledgements and sends of both
// runs against the database.
func verifyJournal(t *testing.T, journal string, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	type key struct{ tenant, id string }
	in := make(map[key]int64)        // IN rows by message id
	replies := make(map[int64][]int) // IN row id → its reply rows' index in outs
	outByWA := make(map[key]int64)   // OUT wa id → the IN row it answers
	err := st.ScanLogs(ctx, "", func(m store.MessageLog) error {
		switch {
		case m.Direction == store.DirIn:
			in[key{m.TenantID, m.WAMessageID}] = m.ID
		case m.ReplyTo != nil:
			replies[*m.ReplyTo] = append(replies[*m.ReplyTo], 1)
			outByWA[key{m.TenantID, m.WAMessageID}] = *m.ReplyTo
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(journal)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sentFor := make(map[int64]map[string]bool) // IN row → distinct reply ids sent
	sc := bufio.NewScanner(f)
	acks, sends := 0, 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 {
			continue // a line cut by the kill
		}
		kind, tenantID, id := fields[0], fields[1], fields[3]
		switch kind {
		case "ack":
			acks++
			row, ok := in[key{tenantID, id}]
			if !ok {
				t.Errorf("acknowledged message %s/%s has no IN row", tenantID, id)
				continue
			}
			if n := len(replies[row]); n != 1 {
				t.Errorf("acknowledged message %s/%s has %d replies, want 1", tenantID, id, n)
			}
		case "send":
			sends++
			row, ok := outByWA[key{tenantID, id}]
			if !ok {
				t.Errorf("sent reply %s/%s is not in the log", tenantID, id)
				continue
			}
			if sentFor[row] == nil {
				sentFor[row] = make(map[string]bool)
			}
			sentFor[row][id] = true
		}
	}
	for row, ids := range sentFor {
		if len(ids) > 1 {
			t.Errorf("message row %d got %d different replies", row, len(ids))
		}
	}
	t.Logf("journal: %d acknowledgements, %d sends checked", acks, sends)
}
