package main

import (
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func modelsDir(t *testing.T) string {
	dir, _ := filepath.Abs("../../models")
	if _, err := os.Stat(filepath.Join(dir, "face-api")); err != nil {
		t.Fatalf("models are not installed in %s: run `make models`", dir)
	}
	return dir
}

func facesDir(t *testing.T) string {
	dir, _ := filepath.Abs("../../../shared/data/faces/identities")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is absent: the face photos for development are not on this machine", dir)
	}
	return dir
}

func TestFaceCompareCLI(t *testing.T) {
	models, faces := modelsDir(t), facesDir(t)
	tmp := t.TempDir()
	noFace := filepath.Join(tmp, "grey.png")
	f, _ := os.Create(noFace)
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	_ = png.Encode(f, img)
	f.Close()
	text := filepath.Join(tmp, "notes.txt")
	_ = os.WriteFile(text, []byte("not an image\n"), 0o600)
	empty := filepath.Join(tmp, "empty.jpg")
	_ = os.WriteFile(empty, nil, 0o600)

	compare := func(a, b string) (map[string]any, string, int) {
		out, stderr, code := cli(t, nil, "face", "compare", "--models", models, a, b)
		var res map[string]any
		_ = json.Unmarshal([]byte(out), &res)
		return res, stderr, code
	}
	tests := map[string]struct {
		a, b      string
		wantMatch bool
	}{
		"same person":       {filepath.Join(faces, "obama/obama1.jpg"), filepath.Join(faces, "obama/obama2.jpg"), true},
		"same person, crop": {filepath.Join(faces, "leonard/leonard1.png"), filepath.Join(faces, "leonard/leonard2.png"), true},
		"different people":  {filepath.Join(faces, "obama/obama1.jpg"), filepath.Join(faces, "biden/biden1.jpg"), false},
		"different crops":   {filepath.Join(faces, "penny/penny1.png"), filepath.Join(faces, "amy/amy1.png"), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, stderr, code := compare(tc.a, tc.b)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if res["match"] != tc.wantMatch || res["far_target"] != 0.01 || res["threshold"] == nil || res["score"] == nil {
				t.Fatalf("got %v; want match=%v with score, threshold and far_target", res, tc.wantMatch)
			}
		})
	}
	bad := map[string]struct{ file, wantReason string }{
		"PNG with no face": {noFace, "no_face"},
		"text file":        {text, "not_an_image"},
		"0-byte file":      {empty, "not_an_image"},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := compare(filepath.Join(faces, "obama/obama1.jpg"), tc.file)
			if code != 2 || !strings.Contains(stderr, tc.wantReason) {
				t.Fatalf("got exit %d %q; want 2 mentioning %s", code, stderr, tc.wantReason)
			}
		})
	}
}

func TestEvalLivenessCLI(t *testing.T) {
	models := modelsDir(t)
	faces := facesDir(t)
	dir := t.TempDir()
	for src, dst := range map[string]string{
		filepath.Join(faces, "../live/image_T1.jpg"):  "live/a.jpg",
		filepath.Join(faces, "obama/obama1.jpg"):      "live/b.jpg",
		filepath.Join(faces, "../spoof/image_F1.jpg"): "spoof/f1.jpg",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Skipf("%v", err)
		}
		_ = os.MkdirAll(filepath.Join(dir, filepath.Dir(dst)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "eval")
	stdout, stderr, code := cli(t, nil, "eval", "liveness", "--models", models, "--synthetic=false", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	var rep map[string]any
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "liveness.png")); err != nil {
		t.Fatalf("chart: %v", err)
	}
	if !strings.Contains(string(b), "apcer") || !strings.Contains(string(b), "bpcer") {
		t.Fatalf("report lacks apcer/bpcer: %.300s", b)
	}
}
