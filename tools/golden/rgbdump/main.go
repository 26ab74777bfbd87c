// Command rgbdump decodes images with kakunin's own decoder and writes raw RGB
// files (little-endian uint32 width and height, then interleaved R, G, B bytes)
// so that the JavaScript golden generator starts from exactly the pixels the Go
// engine sees.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kakunin-dev/kakunin/internal/face"
)

func main() {
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: rgbdump -out DIR IMAGE...")
		os.Exit(2)
	}
	for _, p := range flag.Args() {
		if err := dump(p, *out); err != nil {
			fmt.Fprintln(os.Stderr, "rgbdump:", err)
			os.Exit(1)
		}
	}
}

func dump(path, outDir string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	img, err := face.DecodeImage(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	hdr := binary.LittleEndian.AppendUint32(nil, uint32(img.Width()))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(img.Height()))
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".rgb"
	return os.WriteFile(filepath.Join(outDir, name), append(hdr, img.RGB()...), 0o644)
}
