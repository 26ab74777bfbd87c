package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kakunin-dev/kakunin/internal/document"
	"github.com/kakunin-dev/kakunin/internal/evalreport"
	"github.com/kakunin-dev/kakunin/internal/namedict"
	"github.com/kakunin-dev/kakunin/internal/ocr"
)

const evalDocumentsUsage = `Usage: kakunin eval documents DIR --out OUTDIR [--limit N] [--key-fields] [--date YYYY-MM-DD]
       [--checks ocr,recapture,thickness,tampering] [--names FILES|none]

Runs the document pipeline (outline, type, OCR) over the flat photographs
in DIR, written by 'kakunin synth documents', and compares the fields read
with the ground truth. Writes OUTDIR/report.json (exact-match accuracy per
field, per type and per augmentation level, ms per document) and
OUTDIR/accuracy.png. When DIR holds attack samples ('kakunin synth
documents --attacks'), it also runs the recapture, thickness and tampering
checks over them and the genuine photos: the report's "pad" section holds
APCER per attack kind and BPCER per check (ISO/IEC 30107-3), and
OUTDIR/pad.png draws them. --checks runs only the named parts (ocr is the
field reading; default all). Needs tesseract for ocr and tampering: Debian
packages tesseract-ocr and tesseract-ocr-jpn. Kanji names are checked against
the name dictionaries that are installed (Debian packages mecab-ipadic and
enamdict), as the server does; --names lists the files to use
(comma-separated) or turns them off (none).
`

// runEvalDocuments runs `kakunin eval documents` and returns the exit
// code: 0, 1 for a failure, 2 for bad usage.
func runEvalDocuments(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("eval documents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, evalDocumentsUsage) }
	out := fs.String("out", "", "output directory (required)")
	limit := fs.Int("limit", 0, "evaluate at most N images (0: all)")
	keyOnly := fs.Bool("key-fields", false, "read only name, birth date and number (as the benchmark does)")
	date := fs.String("date", "2026-06-01", "day expiry is judged on")
	checksFlag := fs.String("checks", "", "comma-separated parts to run: "+strings.Join(document.EvalChecks, ",")+" (default all)")
	names := fs.String("names", namedict.IPADICPath+","+namedict.ENAMDICTPath, "name dictionary files, comma-separated, or none")
	dir, code, ok := parseDirFlags(fs, args, evalDocumentsUsage, stderr)
	if !ok {
		return code
	}
	if dir == "" || *out == "" {
		fmt.Fprint(stderr, "kakunin eval documents: DIR and --out are required\n\n"+evalDocumentsUsage)
		return 2
	}
	now, err := time.Parse(time.DateOnly, *date)
	if err != nil {
		fmt.Fprintf(stderr, "kakunin eval documents: --date: %v\n", err)
		return 2
	}
	var checks []string
	if *checksFlag != "" {
		for c := range strings.SplitSeq(*checksFlag, ",") {
			if c = strings.TrimSpace(c); !slices.Contains(document.EvalChecks, c) {
				fmt.Fprintf(stderr, "kakunin eval documents: --checks: unknown %q (want %s)\n", c, strings.Join(document.EvalChecks, ","))
				return 2
			}
			checks = append(checks, c)
		}
	}
	tess := ocr.New()
	if len(checks) == 0 || slices.Contains(checks, document.EvalCheckOCR) || slices.Contains(checks, document.PADCheckTampering) {
		if err := tess.Open(ctx, "jpn", "eng"); err != nil {
			fmt.Fprintln(stderr, "kakunin eval documents:", err)
			return 1
		}
	}
	var opts []document.ExtractorOption
	if *names != "none" && *names != "" {
		d, err := namedict.Load(strings.Split(*names, ",")...)
		switch {
		case errors.Is(err, namedict.ErrNotInstalled):
			fmt.Fprintln(stderr, "eval documents: no name dictionary installed; kanji names as read")
		case err != nil:
			fmt.Fprintln(stderr, "kakunin eval documents:", err)
			return 1
		default:
			fmt.Fprintf(stderr, "eval documents: name dictionary: %d names from %s\n", d.Len(), strings.Join(d.Sources, ", "))
			opts = append(opts, document.WithNameDictionary(d))
			if nf, err := document.LoadNameFonts(); err != nil {
				fmt.Fprintln(stderr, "eval documents:", err)
			} else {
				opts = append(opts, document.WithNameFonts(nf))
			}
		}
	}
	ex := document.NewExtractor(tess, opts...)
	last := -1
	rep, err := document.Evaluate(ctx, ex, dir, document.EvalOptions{
		Options: document.Options{CurrentTime: now, KeyFieldsOnly: *keyOnly},
		Limit:   *limit,
		Checks:  checks,
		Progress: func(done, total int) {
			if p := done * 10 / total; p != last {
				last = p
				fmt.Fprintf(stderr, "eval documents: %d/%d\n", done, total)
			}
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "kakunin eval documents:", err)
		return 1
	}
	if err := evalreport.WriteJSON(*out, "report.json", rep); err != nil {
		fmt.Fprintln(stderr, "kakunin eval documents:", err)
		return 1
	}
	var bars []evalreport.RateBar
	for _, lv := range []string{"clean", "medium", "hard"} {
		for _, f := range []document.Field{document.FieldName, document.FieldBirthDate, document.FieldDocumentNumber} {
			if a := rep.ByLevel[lv][f]; a != nil {
				bars = append(bars, evalreport.RateBar{Label: string(f) + "\n" + lv, Errors: a.Total - a.Correct, Count: a.Total, Bona: true})
			}
		}
	}
	if rep.Images > 0 {
		if err := evalreport.RateBars(filepath.Join(*out, "accuracy.png"), "Document OCR: exact-match errors by field and level", bars); err != nil {
			fmt.Fprintln(stderr, "kakunin eval documents:", err)
			return 1
		}
	}
	if len(rep.PAD) > 0 {
		if err := evalreport.RateBars(filepath.Join(*out, "pad.png"), "Document attack checks: APCER by attack kind, BPCER by check", padBars(rep.PAD)); err != nil {
			fmt.Fprintln(stderr, "kakunin eval documents:", err)
			return 1
		}
	}
	fmt.Fprint(stdout, rep.Summary())
	if rep.Images > 0 {
		fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(*out, "report.json"), filepath.Join(*out, "accuracy.png"))
	} else {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "report.json"))
	}
	if len(rep.PAD) > 0 {
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "pad.png"))
	}
	return 0
}

// padBars are the attack checks' rates as bars: each check's APCER per
// attack kind, then its BPCER.
func padBars(pad map[string]*document.PADCheck) []evalreport.RateBar {
	var bars []evalreport.RateBar
	for _, check := range document.PADChecks {
		c := pad[check]
		if c == nil {
			continue
		}
		kinds := make([]string, 0, len(c.APCER))
		for k := range c.APCER {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			bars = append(bars, evalreport.RateBar{Label: "APCER\n" + k, Errors: c.APCER[k].Errors, Count: c.APCER[k].Total})
		}
		bars = append(bars, evalreport.RateBar{Label: "BPCER\n" + check, Errors: c.BPCER.Errors, Count: c.BPCER.Total, Bona: true})
	}
	return bars
}

// parseDirFlags parses a command's flags with one DIR argument given
// before or after them. ok is false when the command must end with code
// (0 after --help, 2 for bad arguments, which it has reported).
func parseDirFlags(fs *flag.FlagSet, args []string, usage string, stderr io.Writer) (dir string, code int, ok bool) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", 0, false
		}
		return "", 2, false
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kakunin %s: unexpected arguments %q\n\n%s", fs.Name(), fs.Args(), usage)
		return "", 2, false
	}
	return dir, 0, true
}
