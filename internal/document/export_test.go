package document

// Hooks for the external tests (package document_test), which import
// internal/synth; synth imports this package.

// TemplateKeys lists the sides with an OCR template as "type_side".
func TemplateKeys() [][2]string {
	var out [][2]string
	for _, t := range templates {
		out = append(out, [2]string{string(t.typ), string(t.side)})
	}
	return out
}
