package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// The snapshot file (docs/engine.md has the table). Little-endian:
//
//	magic "KKNINDEX" | version u16 | metric u8 | flags u8 | dim u32 |
//	codeBits u32 | seed u64 | lastSeq u64 | count u64 | mean dim×f32 |
//	header CRC-32C u32
//	count × (idLen u16 | id | dim×f32)
//	records CRC-32C u32
//
// Only live templates are written. Codes and 8-bit vectors are derived on
// load, so a file cannot hold codes that disagree with its vectors.
const (
	snapshotMagic   = "KKNINDEX"
	snapshotVersion = 1
	fixedHeaderLen  = 8 + 2 + 1 + 1 + 4 + 4 + 8 + 8 + 8
	flagRotate      = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Reason codes of the errors a bad file gets; every one wraps
// errkind.ErrInvalid and is an *errkind.Error.
const (
	ReasonBadMagic    = "index_bad_magic"
	ReasonVersion     = "index_unsupported_version"
	ReasonBadHeader   = "index_bad_header"
	ReasonTruncated   = "index_truncated"
	ReasonChecksum    = "index_checksum_mismatch"
	ReasonBadRecord   = "index_bad_record"
	ReasonTrailing    = "index_trailing_bytes"
	ReasonLogCorrupt  = "index_log_corrupt"
	ReasonLogMismatch = "index_log_mismatch"
)

func corrupt(reason, format string, args ...any) error {
	return errkind.New(errkind.ErrInvalid, reason, format, args...)
}

// Save writes the live templates to path atomically: a temporary file in the
// same directory, synced, renamed over path, and the directory synced.
func (ix *Index) Save(path string) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.saveLocked(path)
}

func (ix *Index) saveLocked(path string) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := ix.writeSnapshot(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	ok = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (ix *Index) writeSnapshot(w io.Writer) error {
	h := make([]byte, 0, fixedHeaderLen+4*ix.dim+4)
	h = append(h, snapshotMagic...)
	h = binary.LittleEndian.AppendUint16(h, snapshotVersion)
	h = append(h, byte(ix.opt.Metric))
	var flags byte
	if ix.opt.Rotate {
		flags |= flagRotate
	}
	h = append(h, flags)
	h = binary.LittleEndian.AppendUint32(h, uint32(ix.dim))
	h = binary.LittleEndian.AppendUint32(h, uint32(ix.opt.CodeBits))
	h = binary.LittleEndian.AppendUint64(h, ix.opt.Seed)
	h = binary.LittleEndian.AppendUint64(h, ix.seq)
	h = binary.LittleEndian.AppendUint64(h, uint64(ix.live))
	h = appendFloats(h, ix.mean)
	h = binary.LittleEndian.AppendUint32(h, crc32.Checksum(h, castagnoli))
	if _, err := w.Write(h); err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	mw := io.MultiWriter(w, crc)
	buf := make([]byte, 0, 2+MaxIDLen+4*ix.dim)
	for row, id := range ix.ids {
		if ix.dead[row] {
			continue
		}
		buf = binary.LittleEndian.AppendUint16(buf[:0], uint16(len(id)))
		buf = append(buf, id...)
		buf = appendFloats(buf, ix.vecs[row*ix.dim:(row+1)*ix.dim])
		if _, err := mw.Write(buf); err != nil {
			return err
		}
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

func appendFloats(b []byte, v []float32) []byte {
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func readFloats(b []byte, dst []float32) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// Load reads a snapshot written by Save (a memory-only index; no log).
func Load(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return readSnapshot(bufio.NewReaderSize(f, 1<<20), st.Size())
}

// readSnapshot parses and checks a snapshot of exactly size bytes. It never
// allocates more than the size can justify.
func readSnapshot(r io.Reader, size int64) (*Index, error) {
	fixed := make([]byte, fixedHeaderLen)
	if _, err := io.ReadFull(r, fixed); err != nil {
		if size >= 8 && string(fixed[:8]) != snapshotMagic {
			return nil, corrupt(ReasonBadMagic, "not a kakunin index file")
		}
		return nil, corrupt(ReasonTruncated, "the file ends inside the header")
	}
	if string(fixed[:8]) != snapshotMagic {
		return nil, corrupt(ReasonBadMagic, "not a kakunin index file")
	}
	le := binary.LittleEndian
	if v := le.Uint16(fixed[8:]); v != snapshotVersion {
		return nil, corrupt(ReasonVersion, "index file version %d; this build reads %d", v, snapshotVersion)
	}
	metric, flags := Metric(fixed[10]), fixed[11]
	dim, codeBits := le.Uint32(fixed[12:]), le.Uint32(fixed[16:])
	seed, lastSeq, count := le.Uint64(fixed[20:]), le.Uint64(fixed[28:]), le.Uint64(fixed[36:])
	if flags&^flagRotate != 0 || dim == 0 || dim > MaxDim || codeBits > maxCodeBits {
		return nil, corrupt(ReasonBadHeader, "unknown flags, or dimension or code length out of range")
	}
	headerLen := int64(fixedHeaderLen) + 4*int64(dim) + 4
	if size < headerLen+4 {
		return nil, corrupt(ReasonTruncated, "the file is shorter than its header")
	}
	minRecord := 2 + 1 + 4*uint64(dim)
	if count > uint64(size-headerLen-4)/minRecord {
		return nil, corrupt(ReasonTruncated, "the header counts %d templates; the file cannot hold them", count)
	}
	rest := make([]byte, 4*int(dim)+4)
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, corrupt(ReasonTruncated, "the file ends inside the header")
	}
	hcrc := crc32.Update(crc32.Checksum(fixed, castagnoli), castagnoli, rest[:4*dim])
	if hcrc != le.Uint32(rest[4*dim:]) {
		return nil, corrupt(ReasonChecksum, "the header checksum does not match")
	}
	mean := make([]float32, dim)
	readFloats(rest, mean)
	opt := Options{Dim: int(dim), Metric: metric, CodeBits: int(codeBits), Rotate: flags&flagRotate != 0, Seed: seed, Mean: mean}
	if codeBits == 0 {
		return nil, corrupt(ReasonBadHeader, "code length 0")
	}
	ix, err := New(opt)
	if err != nil {
		return nil, corrupt(ReasonBadHeader, "header options: %v", err)
	}
	ix.seq = lastSeq

	crc := crc32.New(castagnoli)
	tr := io.TeeReader(r, crc)
	ix.grow(int(count))
	rec := make([]byte, 4*int(dim))
	var idLen [2]byte
	// Records are read in batches whose codes are derived on all CPUs.
	const batch = 16384
	var ids []string
	var vecs [][]float32
	buf := make([]float32, min(int(count), batch)*int(dim)) // reused: appendRows copies
	inBatch := map[string]bool{}
	flush := func() {
		ix.appendRows(ids, vecs)
		ids, vecs = ids[:0], vecs[:0]
		clear(inBatch)
	}
	for i := range count {
		if _, err := io.ReadFull(tr, idLen[:]); err != nil {
			return nil, corrupt(ReasonTruncated, "the file ends at template %d", i)
		}
		n := int(le.Uint16(idLen[:]))
		if n == 0 || n > MaxIDLen {
			return nil, corrupt(ReasonBadRecord, "template %d has an id of %d bytes", i, n)
		}
		id := make([]byte, n)
		if _, err := io.ReadFull(tr, id); err != nil {
			return nil, corrupt(ReasonTruncated, "the file ends at template %d", i)
		}
		if _, err := io.ReadFull(tr, rec); err != nil {
			return nil, corrupt(ReasonTruncated, "the file ends at template %d", i)
		}
		v := buf[len(ids)*int(dim) : (len(ids)+1)*int(dim)]
		readFloats(rec, v)
		if !finite(v) {
			return nil, corrupt(ReasonBadRecord, "template %d has a value that is not finite", i)
		}
		if _, dup := ix.byID[string(id)]; dup || inBatch[string(id)] {
			return nil, corrupt(ReasonBadRecord, "template %d repeats an id", i)
		}
		inBatch[string(id)] = true
		ids, vecs = append(ids, string(id)), append(vecs, v)
		if len(ids) == batch {
			flush()
		}
	}
	flush()
	if err := checkTrailer(r, crc); err != nil {
		return nil, err
	}
	return ix, nil
}

// checkTrailer reads the records checksum and makes sure nothing follows.
func checkTrailer(r io.Reader, crc hash.Hash32) error {
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return corrupt(ReasonTruncated, "the file ends before its checksum")
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
		return corrupt(ReasonChecksum, "the records checksum does not match")
	}
	var one [1]byte
	if n, err := r.Read(one[:]); n > 0 || (err != nil && !errors.Is(err, io.EOF)) {
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the index: %w", err)
		}
		return corrupt(ReasonTrailing, "bytes follow the checksum")
	}
	return nil
}
