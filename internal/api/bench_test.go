package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kakunin-dev/kakunin/internal/store/storetest"
)

// BenchmarkCreateVerification measures POST /v1/verifications end to end over
// HTTP on SQLite (one writer: this is the serialized write path).
func BenchmarkCreateVerification(b *testing.B) {
	e := newEnv(b, storetest.SQLite(b))
	body := `{"method":"document_image","law":"none","reference_id":"bench","applicant":{"name":"山田 太郎","birth_date":"1990-04-01"}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.do(http.MethodPost, "/v1/verifications", e.keyA, strings.NewReader(body), "application/json"); r.Status != 201 {
			b.Fatalf("got %d", r.Status)
		}
	}
}

// BenchmarkGetVerification measures GET /v1/verifications/{id} with parallel
// clients on SQLite (reads run on the read-only pool beside the writer).
func BenchmarkGetVerification(b *testing.B) {
	e := newEnv(b, storetest.SQLite(b))
	v := e.create(e.keyA, map[string]any{"method": "document_image", "law": "none", "reference_id": "bench"})
	e.upload(v.ID, e.keyA, "selfie", photo(b, 640, 480, 1))
	url := e.srv.URL + "/v1/verifications/" + v.ID
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+e.keyA)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("got %d", res.StatusCode)
			}
		}
	})
}
