// Package capture serves kakunin's hosted capture page: the web app a
// business sends its customer to (/c/{client_token}) to consent, hand the
// card over to the card client, photograph documents and take the selfie and
// liveness frames. The page is built from web/capture by `make web` into
// dist/, which is embedded in the binary; it talks only to the /v1 API.
package capture

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// securityHeaders apply to every response of the page. The client token is
// in the URL, so no referrer ever leaves; the page runs only its own
// scripts (TensorFlow.js needs WebAssembly compilation, nothing else).
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
		"img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self' data: blob:; " +
		"worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	"Referrer-Policy":        "no-referrer",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Permissions-Policy":     "camera=(self), microphone=(), geolocation=()",
}

// Built reports whether the page has been built into the binary.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

// Handler serves the page under /c/: /c/{token} is the app, /c/assets/ its
// content-hashed scripts and styles, /c/models/ the face detector weights.
func Handler() http.Handler {
	sub, _ := fs.Sub(dist, "dist")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest := strings.TrimPrefix(r.URL.Path, "/c/")
		dir, _, nested := strings.Cut(rest, "/")
		switch {
		case nested && (dir == "assets" || dir == "models"):
			if strings.Contains(rest, "..") || path.Clean("/"+rest) != "/"+rest {
				http.NotFound(w, r)
				return
			}
			if dir == "assets" {
				// Names carry a content hash: a new build is a new name.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "public, max-age=86400")
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + rest
			files.ServeHTTP(w, r2)
		case !nested && rest != "":
			page, err := fs.ReadFile(sub, "index.html")
			if err != nil {
				http.Error(w, "the capture page is not built into this binary: run `make web` and rebuild", http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(page)
		default:
			http.NotFound(w, r)
		}
	})
}
