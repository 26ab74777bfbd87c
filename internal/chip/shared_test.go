package chip_test

import (
	"os"
	"path/filepath"
	"testing"
)

func readSharedFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../../shared/data/icao", rel))
	if err != nil {
		t.Skipf("shared ICAO data not available: %v", err)
	}
	return b
}
