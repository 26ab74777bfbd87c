package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// faceOptions is the setting docs/engine.md recommends for 128-d face-api
// descriptors.
func faceOptions(mean []float32) Options {
	return Options{Dim: 128, Metric: Euclidean, CodeBits: 256, Rotate: true, Seed: 7, Mean: mean}
}

// gallery builds an index of n synthetic templates with ids "t<i>".
func gallery(t testing.TB, gen *Synthetic, n int, opt Options) *Index {
	t.Helper()
	vecs := make([][]float32, n)
	ids := make([]string, n)
	for i := range n {
		vecs[i], ids[i] = gen.Template(uint64(i)), "t"+strconv.Itoa(i)
	}
	if opt.Mean == nil {
		opt.Mean = MeanOf(vecs[:min(n, 5000)])
	}
	ix, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.AddBatch(ids, vecs); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestFindsPlantedMateAmong50k(t *testing.T) {
	if raceDetector {
		t.Skip("an accuracy test: nothing concurrent; too slow under -race")
	}
	gen := &Synthetic{Dim: 128, Seed: 11}
	ix := gallery(t, gen, 50000, faceOptions(nil))
	// Probes of a few enrolled identities with moderate noise: each must
	// come back first, with the exact distance exhaustive search gives.
	for _, id := range []uint64{0, 12345, 31337, 49999} {
		gen := &Synthetic{Dim: 128, Seed: 11, ProbeNoiseMin: 0.3, ProbeNoiseMax: 0.5}
		q := gen.Probe(id, 1)
		got, err := ix.Search(q, 5, math.Inf(1))
		if err != nil {
			t.Fatal(err)
		}
		want := "t" + strconv.FormatUint(id, 10)
		if len(got) == 0 || got[0].ID != want {
			t.Fatalf("identity %d: got %v; want %s first", id, got, want)
		}
		ex, _ := ix.SearchExhaustive(q, 5, math.Inf(1))
		if ex[0] != got[0] {
			t.Errorf("identity %d: index top %v; exhaustive top %v", id, got[0], ex[0])
		}
	}
}

func TestRank1AgreesWithExhaustive(t *testing.T) {
	if raceDetector {
		t.Skip("an accuracy test: nothing concurrent; too slow under -race")
	}
	const n, mated = 20000, 300
	gen := &Synthetic{Dim: 128, Seed: 5}
	ix := gallery(t, gen, n, faceOptions(nil))
	var probes []Probe
	for i := range mated {
		id := uint64(i * n / mated)
		probes = append(probes, Probe{Vec: gen.Probe(id, 1), Mate: "t" + strconv.FormatUint(id, 10)})
	}
	for i := range 300 {
		probes = append(probes, Probe{Vec: gen.Probe(uint64(n+i), 1)})
	}
	ref, err := NewReference(ix, probes, 10)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]Candidate, len(probes))
	for i, p := range probes {
		if res[i], err = ix.Search(p.Vec, 10, math.Inf(1)); err != nil {
			t.Fatal(err)
		}
	}
	l := ref.Measure(res, 0.003)
	t.Logf("N=%d: %+v", n, l)
	if l.Rank1Agreement < 0.99 {
		t.Errorf("rank-1 agreement %.3f; want ≥ 0.99", l.Rank1Agreement)
	}
	if l.FNIRIndexed > l.FNIRExhaustive*1.05+1e-9 {
		t.Errorf("FNIR indexed %.4f; exhaustive %.4f: more than 5 %% loss", l.FNIRIndexed, l.FNIRExhaustive)
	}
	if l.FPIRIndexed > l.FPIRExhaustive {
		t.Errorf("FPIR indexed %.4f > exhaustive %.4f", l.FPIRIndexed, l.FPIRExhaustive)
	}
}

func TestDeletedTemplatesAreNeverReturned(t *testing.T) {
	for _, opt := range []Options{faceOptions(nil), {Dim: 128, Metric: Cosine}} {
		t.Run(fmt.Sprintf("%s_%d", opt.Metric, opt.CodeBits), func(t *testing.T) {
			gen := &Synthetic{Dim: 128, Seed: 3}
			ix := gallery(t, gen, 3000, opt)
			deleted := map[string]bool{}
			for i := 0; i < 3000; i += 3 {
				id := "t" + strconv.Itoa(i)
				if err := ix.Delete(id); err != nil {
					t.Fatal(err)
				}
				deleted[id] = true
			}
			if err := ix.Delete("t0"); !errors.Is(err, errkind.ErrNotFound) {
				t.Errorf("deleting twice: got %v; want ErrNotFound", err)
			}
			check := func(stage string) {
				for i := 0; i < 3000; i += 30 {
					q := gen.Template(uint64(i)) // the deleted template itself
					for name, search := range map[string]func([]float32, int, float64) ([]Candidate, error){"index": ix.Search, "exhaustive": ix.SearchExhaustive} {
						got, err := search(q, 50, math.Inf(1))
						if err != nil {
							t.Fatal(err)
						}
						if len(got) != 50 {
							t.Fatalf("%s %s: %d results; want 50", stage, name, len(got))
						}
						for _, c := range got {
							if deleted[c.ID] {
								t.Fatalf("%s %s: deleted %s returned", stage, name, c.ID)
							}
						}
					}
				}
			}
			check("tombstoned")
			before, _ := ix.Search(gen.Probe(1, 1), 10, math.Inf(1))
			ix.Compact()
			if ix.Rows() != 2000 || ix.Len() != 2000 {
				t.Fatalf("after Compact: %d rows, %d live; want 2000", ix.Rows(), ix.Len())
			}
			check("compacted")
			after, _ := ix.Search(gen.Probe(1, 1), 10, math.Inf(1))
			if !reflect.DeepEqual(before, after) {
				t.Errorf("Compact changed a result:\n%v\n%v", before, after)
			}
			// A deleted id may be enrolled again.
			if err := ix.Add("t0", gen.Template(0)); err != nil {
				t.Fatal(err)
			}
			if got, _ := ix.Search(gen.Template(0), 1, math.Inf(1)); got[0].ID != "t0" || got[0].Distance > 1e-6 {
				t.Errorf("re-enrolled t0: got %v", got)
			}
		})
	}
}

func TestRejectsBadInput(t *testing.T) {
	ix, err := New(Options{Dim: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Add("a", []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		err  error
		kind error
	}{
		"short embedding":    {ix.Add("b", []float32{1}), errkind.ErrInvalid},
		"NaN":                {ix.Add("b", []float32{1, float32(math.NaN()), 0, 0}), errkind.ErrInvalid},
		"empty id":           {ix.Add("", []float32{1, 2, 3, 4}), errkind.ErrInvalid},
		"duplicate id":       {ix.Add("a", []float32{1, 2, 3, 4}), errkind.ErrConflict},
		"duplicate in batch": {ix.AddBatch([]string{"c", "c"}, [][]float32{{1, 2, 3, 4}, {1, 2, 3, 4}}), errkind.ErrConflict},
		"k zero":             {func() error { _, err := ix.Search([]float32{1, 2, 3, 4}, 0, 1); return err }(), errkind.ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.kind) {
			t.Errorf("%s: got %v; want %v", name, tc.err, tc.kind)
		}
	}
	if ix.Len() != 1 {
		t.Errorf("Len %d after rejected adds; want 1", ix.Len())
	}
	for name, o := range map[string]Options{
		"no dim":          {},
		"bits not /64":    {Dim: 128, CodeBits: 100, Rotate: true},
		"bits w/o rotate": {Dim: 128, CodeBits: 256},
		"mean length":     {Dim: 4, Mean: []float32{1}},
		"metric":          {Dim: 4, Metric: 9},
	} {
		if _, err := New(o); !errors.Is(err, errkind.ErrInvalid) {
			t.Errorf("%s: got %v; want ErrInvalid", name, err)
		}
	}
}

func TestThresholdAndOrder(t *testing.T) {
	gen := &Synthetic{Dim: 128, Seed: 9}
	ix := gallery(t, gen, 2000, faceOptions(nil))
	q := gen.Probe(7, 1)
	all, _ := ix.Search(q, 20, math.Inf(1))
	for i := 1; i < len(all); i++ {
		if all[i].Distance < all[i-1].Distance {
			t.Fatalf("results out of order at %d: %v", i, all)
		}
	}
	cut := all[5].Distance
	got, _ := ix.Search(q, 20, cut)
	if len(got) != 6 || !reflect.DeepEqual(got, all[:6]) {
		t.Errorf("threshold %v: got %d results; want the first 6 of %v", cut, len(got), all)
	}
}

func TestSavedAndLoadedIndexSearchesTheSame(t *testing.T) {
	gen := &Synthetic{Dim: 128, Seed: 21}
	ix := gallery(t, gen, 4000, faceOptions(nil))
	for i := 0; i < 4000; i += 7 {
		if err := ix.Delete("t" + strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "g.kkn")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != ix.Len() || !reflect.DeepEqual(back.Options(), ix.Options()) {
		t.Fatalf("loaded %d templates, options %+v; want %d, %+v", back.Len(), back.Options(), ix.Len(), ix.Options())
	}
	for i := range 40 {
		q := gen.Probe(uint64(i*97), 1)
		a, _ := ix.Search(q, 10, math.Inf(1))
		b, _ := back.Search(q, 10, math.Inf(1))
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("probe %d: before save %v; after load %v", i, a, b)
		}
	}
}

func TestCorruptSnapshotIsRefused(t *testing.T) {
	gen := &Synthetic{Dim: 16, Seed: 1}
	ix, err := New(Options{Dim: 16, Rotate: true, CodeBits: 64, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := ix.Add("id"+strconv.Itoa(i), gen.Template(uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "g.kkn")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	headerEnd := fixedHeaderLen + 4*16 + 4
	flip := func(at int) []byte { b := append([]byte(nil), good...); b[at] ^= 0x10; return b }
	for name, tc := range map[string]struct {
		data   []byte
		reason string
	}{
		"empty":              {nil, ReasonTruncated},
		"not an index":       {[]byte("PK\x03\x04 this is a zip file, not an index at all........"), ReasonBadMagic},
		"cut in header":      {good[:20], ReasonTruncated},
		"cut after header":   {good[:headerEnd], ReasonTruncated},
		"cut in records":     {good[:len(good)/2], ReasonTruncated},
		"cut before trailer": {good[:len(good)-2], ReasonTruncated},
		"version":            {flip(8), ReasonVersion},
		"flag bit":           {flip(11), ReasonBadHeader},
		"mean bit":           {flip(fixedHeaderLen + 5), ReasonChecksum},
		"record bit":         {flip(headerEnd + 40), ReasonChecksum},
		"trailing bytes":     {append(append([]byte(nil), good...), 0), ReasonTrailing},
		"count too large":    {func() []byte { b := append([]byte(nil), good...); b[36] = 0xff; return b }(), ReasonTruncated},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.kkn")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p)
			if !errors.Is(err, errkind.ErrInvalid) || errkind.Reason(err) != tc.reason {
				t.Errorf("got %v; want ErrInvalid with reason %s", err, tc.reason)
			}
		})
	}
}

func TestDiskIndexSurvivesReopenAndTornLog(t *testing.T) {
	dir := t.TempDir()
	gen := &Synthetic{Dim: 32, Seed: 4}
	opt := Options{Dim: 32, Rotate: true, CodeBits: 64, Seed: 1}
	ix, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := ix.Add("a"+strconv.Itoa(i), gen.Template(uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Delete("a3"); err != nil {
		t.Fatal(err)
	}
	q := gen.Probe(10, 1)
	want, _ := ix.Search(q, 5, math.Inf(1))
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	// A crash in the middle of the next record leaves a torn tail: the
	// reopened index holds everything acknowledged before it.
	logPath := filepath.Join(dir, LogFile)
	whole, _ := os.ReadFile(logPath)
	torn := appendRecord(nil, 52, opAdd, "torn", gen.Template(99))
	if err := os.WriteFile(logPath, append(append([]byte(nil), whole...), torn[:len(torn)-7]...), 0o600); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 49 || ix.Contains("a3") || ix.Contains("torn") {
		t.Fatalf("reopened: %d live, a3 %v, torn %v; want 49, false, false", ix.Len(), ix.Contains("a3"), ix.Contains("torn"))
	}
	if got, _ := ix.Search(q, 5, math.Inf(1)); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen %v; want %v", got, want)
	}
	// New changes follow the good records, and a checkpoint keeps them.
	if err := ix.Add("b", gen.Template(1000)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete("a4"); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 49 || !ix.Contains("b") || ix.Contains("a4") {
		t.Fatalf("after checkpoint and reopen: %d live, b %v, a4 %v", ix.Len(), ix.Contains("b"), ix.Contains("a4"))
	}
	ix.Close()

	// Damage in the middle of the log is not a torn write: refused.
	whole, _ = os.ReadFile(logPath)
	bad := append([]byte(nil), whole...)
	bad[logHeaderLen+6] ^= 1
	os.WriteFile(logPath, append(bad, appendRecord(nil, 99, opDelete, "b", nil)...), 0o600)
	if _, err := Open(dir, Options{}); !errors.Is(err, errkind.ErrInvalid) || errkind.Reason(err) != ReasonChecksum {
		t.Errorf("damaged log: got %v; want %s", err, ReasonChecksum)
	}
	if _, err := Open(dir, Options{Dim: 64}); err == nil {
		t.Error("opening with another dimension succeeded")
	}
}

func TestConcurrentUse(t *testing.T) {
	gen := &Synthetic{Dim: 64, Seed: 8}
	ix := gallery(t, gen, 2000, Options{Dim: 64, Rotate: true, CodeBits: 128})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 200 {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := ix.Add(id, gen.Template(uint64(10000+w*1000+i))); err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					if err := ix.Delete(id); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
		wg.Go(func() {
			for i := range 200 {
				if _, err := ix.Search(gen.Probe(uint64(i), 1), 5, math.Inf(1)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			ix.Compact()
		}
	})
	wg.Wait()
	if ix.Len() != 2000+300 {
		t.Errorf("Len %d; want 2300", ix.Len())
	}
}

func FuzzReadSnapshot(f *testing.F) {
	gen := &Synthetic{Dim: 8, Seed: 1}
	ix, _ := New(Options{Dim: 8, Rotate: true, CodeBits: 64, Seed: 2})
	for i := range 3 {
		ix.Add("x"+strconv.Itoa(i), gen.Template(uint64(i)))
	}
	var buf bytes.Buffer
	if err := ix.writeSnapshot(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(snapshotMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readSnapshot(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			var e *errkind.Error
			if !errors.As(err, &e) || !errors.Is(err, errkind.ErrInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Whatever loads must search.
		if _, err := got.Search(make([]float32, got.dim), 3, math.Inf(1)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzReplayLog(f *testing.F) {
	gen := &Synthetic{Dim: 8, Seed: 1}
	good := logHeader(8)
	good = appendRecord(good, 1, opAdd, "a", gen.Template(1))
	good = appendRecord(good, 2, opAdd, "b", gen.Template(2))
	good = appendRecord(good, 3, opDelete, "a", nil)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, _ := New(Options{Dim: 8})
		n, err := replay(bytes.NewReader(data), int64(len(data)), ix)
		if err != nil {
			var e *errkind.Error
			if !errors.As(err, &e) || !errors.Is(err, errkind.ErrInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if n > int64(len(data)) || n < logHeaderLen {
			t.Fatalf("good length %d of %d bytes", n, len(data))
		}
	})
}

func TestFastHadamardMatchesPlainTransform(t *testing.T) {
	for _, n := range []int{2, 4, 8, 128, 256} {
		v := make([]float32, n)
		w := make([]float64, n)
		g := gaussian{state: uint64(n)}
		for i := range v {
			v[i] = float32(g.next())
			w[i] = float64(v[i])
		}
		fwht32(v)
		hadamard(w) // the orthonormal one Synthetic uses, written plainly
		scale := math.Sqrt(float64(n))
		for i := range v {
			if d := float64(v[i])/scale - w[i]; math.Abs(d) > 1e-5 {
				t.Fatalf("n=%d, element %d: %v; want %v", n, i, float64(v[i])/scale, w[i])
			}
		}
	}
}
