package app

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestTokenCreateCommand(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: envOf(map[string]string{"FLOWHQ_DATA_DIR": dir})}
		code := Main(context.Background(), append([]string{"token"}, args...), env)
		return code, out.String(), errb.String()
	}
	shape := regexp.MustCompile(`^fhq_[A-Za-z0-9_-]{43}\n$`)

	code, adminOut, stderr := run("create", "--admin", "--name", "ci deploy")
	if code != 0 || !shape.MatchString(adminOut) || !strings.Contains(stderr, "shown only this once") {
		t.Fatalf("create --admin: %d %q %q", code, adminOut, stderr)
	}

	// A tenant token needs an existing tenant.
	st := storetest.Open(t, store.Config{DataDir: dir})
	tn := store.Tenant{Name: "Salon"}
	if err := st.CreateTenant(context.Background(), &tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		t.Fatal(err)
	}
	code, tenantOut, stderr := run("create", "--tenant", tn.ID)
	if code != 0 || !shape.MatchString(tenantOut) || tenantOut == adminOut {
		t.Fatalf("create --tenant: %d %q %q", code, tenantOut, stderr)
	}

	for name, args := range map[string][]string{
		"no subcommand":  {},
		"other verb":     {"list"},
		"no scope":       {"create"},
		"both scopes":    {"create", "--admin", "--tenant", tn.ID},
		"unknown tenant": {"create", "--tenant", "no-such-tenant"},
		"unknown flag":   {"create", "--admin", "--bogus"},
		"extra argument": {"create", "--admin", "extra"},
		"long name":      {"create", "--admin", "--name", strings.Repeat("n", 101)},
		"control chars":  {"create", "--admin", "--name", "a\x1bb"},
	} {
		if code, out, errs := run(args...); code != 2 || out != "" {
			t.Errorf("%s: exit %d (want 2), stdout %q, stderr %q", name, code, out, errs)
		}
	}

	// What is stored: the hash, never the token; scope and tenant right.
	ctx := context.Background()
	a, err := st.GetAPITokenByHash(ctx, hashAPIToken(strings.TrimSpace(adminOut)))
	if err != nil || a.Scope != store.TokenScopeAdmin || a.Name != "ci deploy" || a.TenantID != nil || !strings.HasPrefix(adminOut, a.Prefix) {
		t.Fatalf("admin token row %+v, %v", a, err)
	}
	b, err := st.GetAPITokenByHash(ctx, hashAPIToken(strings.TrimSpace(tenantOut)))
	if err != nil || b.Scope != store.TokenScopeTenant || b.Tenant() != tn.ID || b.Name != "command line" {
		t.Fatalf("tenant token row %+v, %v", b, err)
	}
	all, _ := st.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: store.AnyTenant, IncludeRevoked: true})
	if len(all) != 2 {
		t.Fatalf("%d tokens stored, want 2", len(all))
	}
	for _, tk := range all {
		if strings.Contains(tk.TokenHash, "fhq_") {
			t.Fatal("a token is stored in the clear")
		}
	}
}
