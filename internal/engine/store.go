package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/kakunin-dev/kakunin/internal/errkind"
)

// A disk-backed index is a directory with two files: the snapshot
// (SnapshotFile, written by Checkpoint) and an append-only log of the changes
// since (LogFile). Every Add and Delete is written to the log and synced
// before it is applied, so a change that returned nil survives a crash.
const (
	SnapshotFile = "index.kkn"
	LogFile      = "index.log"
)

// The log (docs/engine.md): a header
//
//	magic "KKNLOG\x00\x00" | version u16 | dim u32 | header CRC-32C u32
//
// then records
//
//	length u32 | seq u64 | op u8 | idLen u16 | id | (add: dim×f32) | CRC-32C u32
//
// where the CRC covers the length and the payload. Sequence numbers rise by
// one per change; the snapshot stores the last one it contains, so records a
// crash left behind after a checkpoint are skipped on replay.
const (
	logMagic     = "KKNLOG\x00\x00"
	logVersion   = 1
	logHeaderLen = 8 + 2 + 4 + 4
	opAdd        = 1
	opDelete     = 2
)

type logFile struct {
	mu     sync.Mutex
	f      *os.File
	size   int64
	dim    int
	broken error
}

// Open opens the index kept in dir, creating it (with opt) if dir holds
// none. An existing index keeps its stored options; opt.Dim and opt.Metric,
// when set, must agree with them. The log is replayed; a record cut short
// by a crash at the end of the log is dropped (it was never acknowledged),
// any other damage refuses the open with a typed error.
func Open(dir string, opt Options) (*Index, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	snap := filepath.Join(dir, SnapshotFile)
	ix, err := Load(snap)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Stat(filepath.Join(dir, LogFile)); lerr == nil {
			return nil, corrupt(ReasonLogMismatch, "a log without a snapshot")
		}
		if ix, err = New(opt); err != nil {
			return nil, err
		}
		if err := ix.saveLocked(snap); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if (opt.Dim != 0 && opt.Dim != ix.dim) || (opt.Dim != 0 && opt.Metric != ix.opt.Metric) {
			return nil, errkind.New(errkind.ErrConflict, "index_options_mismatch", "the stored index has dimension %d and metric %s", ix.dim, ix.opt.Metric)
		}
	}
	lf, err := openLog(filepath.Join(dir, LogFile), ix)
	if err != nil {
		return nil, err
	}
	ix.log = lf
	ix.dir = dir
	return ix, nil
}

// Checkpoint writes a new snapshot of the live templates, empties the log
// and compacts memory. Searches wait while it runs.
func (ix *Index) Checkpoint() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.log == nil {
		return errkind.New(errkind.ErrInvalid, "not_on_disk", "the index was not opened from a directory")
	}
	if err := ix.saveLocked(filepath.Join(ix.dir, SnapshotFile)); err != nil {
		return err
	}
	if err := ix.log.reset(); err != nil {
		return err
	}
	ix.compactLocked()
	return nil
}

// Close releases the log file. The index must not be used afterwards.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.log == nil {
		return nil
	}
	err := ix.log.f.Close()
	ix.log = nil
	return err
}

func logHeader(dim int) []byte {
	h := append([]byte(logMagic), 0, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint16(h[8:], logVersion)
	binary.LittleEndian.PutUint32(h[10:], uint32(dim))
	return binary.LittleEndian.AppendUint32(h, crc32.Checksum(h, castagnoli))
}

func openLog(path string, ix *Index) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		lf := &logFile{dim: ix.dim}
		if err := writeFileAtomic(path, logHeader(ix.dim)); err != nil {
			return nil, err
		}
		if lf.f, err = os.OpenFile(path, os.O_RDWR, 0); err != nil {
			return nil, err
		}
		lf.size = logHeaderLen
		return lf, nil
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	good, err := replay(bufio.NewReaderSize(f, 1<<20), st.Size(), ix)
	if err != nil {
		f.Close()
		return nil, err
	}
	if good < st.Size() {
		// A torn last record: cut it off so new records follow good ones.
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &logFile{f: f, size: good, dim: ix.dim}, nil
}

// replay applies the log's records to ix and returns the length of the part
// of the log that holds whole records.
func replay(r io.Reader, size int64, ix *Index) (int64, error) {
	h := make([]byte, logHeaderLen)
	if _, err := io.ReadFull(r, h); err != nil {
		return 0, corrupt(ReasonTruncated, "the log ends inside its header")
	}
	if string(h[:8]) != logMagic {
		return 0, corrupt(ReasonBadMagic, "not a kakunin index log")
	}
	le := binary.LittleEndian
	if v := le.Uint16(h[8:]); v != logVersion {
		return 0, corrupt(ReasonVersion, "index log version %d; this build reads %d", v, logVersion)
	}
	if crc32.Checksum(h[:14], castagnoli) != le.Uint32(h[14:]) {
		return 0, corrupt(ReasonChecksum, "the log header checksum does not match")
	}
	if int(le.Uint32(h[10:])) != ix.dim {
		return 0, corrupt(ReasonLogMismatch, "the log is for dimension %d; the snapshot has %d", le.Uint32(h[10:]), ix.dim)
	}
	off := int64(logHeaderLen)
	maxPayload := 8 + 1 + 2 + MaxIDLen + 4*ix.dim
	var lenb [4]byte
	vec := make([]float32, ix.dim)
	for {
		n, err := io.ReadFull(r, lenb[:])
		if n == 0 && errors.Is(err, io.EOF) {
			return off, nil
		}
		if err != nil {
			return off, nil // torn inside the length
		}
		plen := int64(le.Uint32(lenb[:]))
		end := off + 4 + plen + 4
		if end > size {
			return off, nil // torn: the record runs past the end
		}
		if plen == 0 && zeros(r, size-off-4) {
			return off, nil // a crash left the end of the file zero-filled
		}
		if plen < 11 || plen > int64(maxPayload) {
			return 0, corrupt(ReasonLogCorrupt, "a log record at byte %d has length %d", off, plen)
		}
		rec := make([]byte, plen+4)
		if _, err := io.ReadFull(r, rec); err != nil {
			return 0, corrupt(ReasonTruncated, "the log ends early at byte %d", off)
		}
		sum := crc32.Update(crc32.Checksum(lenb[:], castagnoli), castagnoli, rec[:plen])
		if sum != le.Uint32(rec[plen:]) {
			if end == size {
				return off, nil // torn: the last record was not fully written
			}
			return 0, corrupt(ReasonChecksum, "a log record at byte %d fails its checksum", off)
		}
		if err := applyRecord(ix, rec[:plen], vec); err != nil {
			return 0, err
		}
		off = end
	}
}

// zeros reports whether the next n bytes of r are all zero.
func zeros(r io.Reader, n int64) bool {
	buf := make([]byte, 64<<10)
	for n > 0 {
		k, err := io.ReadFull(r, buf[:min(int64(len(buf)), n)])
		for _, b := range buf[:k] {
			if b != 0 {
				return false
			}
		}
		if err != nil {
			return false
		}
		n -= int64(k)
	}
	return true
}

func applyRecord(ix *Index, p []byte, vec []float32) error {
	le := binary.LittleEndian
	seq, op, idLen := le.Uint64(p), p[8], int(le.Uint16(p[9:]))
	if idLen == 0 || idLen > MaxIDLen || 11+idLen > len(p) {
		return corrupt(ReasonLogCorrupt, "a log record has a bad id length")
	}
	id := string(p[11 : 11+idLen])
	body := p[11+idLen:]
	if seq <= ix.seq {
		return nil // already in the snapshot
	}
	if seq != ix.seq+1 {
		return corrupt(ReasonLogMismatch, "the log skips from change %d to %d", ix.seq, seq)
	}
	switch op {
	case opAdd:
		if len(body) != 4*ix.dim {
			return corrupt(ReasonLogCorrupt, "an add record has %d bytes of embedding", len(body))
		}
		readFloats(body, vec)
		if !finite(vec) {
			return corrupt(ReasonLogCorrupt, "an add record has a value that is not finite")
		}
		if _, dup := ix.byID[id]; dup {
			return corrupt(ReasonLogCorrupt, "an add record repeats a live id")
		}
		ix.appendRow(id, vec) // copied into the index
	case opDelete:
		row, ok := ix.byID[id]
		if len(body) != 0 || !ok {
			return corrupt(ReasonLogCorrupt, "a delete record is malformed or names an unknown id")
		}
		ix.dead[row] = true
		delete(ix.byID, id)
		ix.live--
	default:
		return corrupt(ReasonLogCorrupt, "a log record has unknown operation %d", op)
	}
	ix.seq = seq
	return nil
}

func (l *logFile) appendAdds(firstSeq uint64, ids []string, vs [][]float32) error {
	var b []byte
	for i, id := range ids {
		b = appendRecord(b, firstSeq+uint64(i), opAdd, id, vs[i])
	}
	return l.write(b)
}

func (l *logFile) appendDelete(seq uint64, id string) error {
	return l.write(appendRecord(nil, seq, opDelete, id, nil))
}

func appendRecord(b []byte, seq uint64, op byte, id string, v []float32) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(8+1+2+len(id)+4*len(v)))
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = append(b, op)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(id)))
	b = append(b, id...)
	b = appendFloats(b, v)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// write appends b and syncs. On failure it cuts the log back to where it
// was, so that a failed change leaves no half record behind.
func (l *logFile) write(b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return l.broken
	}
	_, err := l.f.WriteAt(b, l.size)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.broken = errkind.Wrap(terr, errkind.ErrUnavailable, "index_log_broken", "the index log could not be repaired after a failed write")
		}
		return errkind.Wrap(err, errkind.ErrUnavailable, "index_log_write", "the change could not be logged")
	}
	l.size += int64(len(b))
	return nil
}

// reset replaces the log by an empty one (after a checkpoint).
func (l *logFile) reset() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	path := l.f.Name()
	if err := writeFileAtomic(path, logHeader(l.dim)); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		l.broken = err
		return err
	}
	l.f.Close()
	l.f, l.size = f, logHeaderLen
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(dir)
}
