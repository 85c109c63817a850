// Package views renders Flow HQ's web pages with templ: XPage(props) wraps
// the layout around an XPanel partial, so a full page load and an HTMX swap
// render the same markup. Static assets (htmx, its SSE extension and the
// stylesheet) are embedded and served under content-hashed names.
package views

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

// StaticPrefix is the URL path under which assets are served.
const StaticPrefix = "/static/"

// Asset is one embedded static file.
type Asset struct {
	Name        string // e.g. "app.css"
	HashedName  string // e.g. "app.3f2a9c1b0d4e.css"
	ContentType string
	Body        []byte
}

// assetTable maps names and hashed names to assets.
type assetTable struct {
	byName   map[string]*Asset
	byHashed map[string]*Asset
}

// assets is built once from the embedded files; it never changes after.
var assets = sync.OnceValue(func() assetTable {
	t := assetTable{byName: map[string]*Asset{}, byHashed: map[string]*Asset{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic("views: read embedded assets: " + err.Error())
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic("views: read embedded asset: " + err.Error())
		}
		sum := sha256.Sum256(body)
		name := e.Name()
		ext := path.Ext(name)
		if strings.HasSuffix(name, ".min.js") {
			ext = ".min.js"
		}
		a := &Asset{
			Name:        name,
			HashedName:  strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext,
			ContentType: mime.TypeByExtension(path.Ext(name)),
			Body:        body,
		}
		if a.ContentType == "" {
			a.ContentType = "application/octet-stream"
		}
		t.byName[a.Name] = a
		t.byHashed[a.HashedName] = a
	}
	return t
})

// AssetURL returns the cache-busting URL of an embedded asset, such as
// "/static/app.3f2a9c1b0d4e.css". An unknown name panics: it is a
// programming error caught by any test that renders a page.
func AssetURL(name string) string {
	a, ok := assets().byName[name]
	if !ok {
		panic("views: unknown asset " + name)
	}
	return StaticPrefix + a.HashedName
}

// LookupAsset finds an asset by its hashed file name (the part of the URL
// after StaticPrefix).
func LookupAsset(hashedName string) (*Asset, bool) {
	a, ok := assets().byHashed[hashedName]
	return a, ok
}
