# Liveness (issue 6): active challenge-response, passive PAD, replay checks.
# Included by the main Makefile. The evaluation reads ../shared/data/faces.

LIVENESS_DATA ?= $(CURDIR)/../shared/data/faces
LIVENESS_OUT  ?= tmp/liveness-eval

.PHONY: liveness-test liveness-eval liveness-calibrate liveness-bench

liveness-test:
	go test ./internal/liveness/... ./internal/evalreport/...

# Full passive-PAD evaluation with synthetic attacks: report.json and liveness.png.
liveness-eval:
	KAKUNIN_FACE_DATA=$(LIVENESS_DATA) go test ./internal/liveness -run TestEvaluateFaces -liveness-eval -eval-out $(CURDIR)/$(LIVENESS_OUT) -v -timeout 30m

# Refit internal/liveness/pad_calibration.json on the evaluation's samples.
liveness-calibrate:
	KAKUNIN_FACE_DATA=$(LIVENESS_DATA) go test ./internal/liveness -run TestEvaluateFaces -liveness-eval -calibrate -v -timeout 30m

liveness-bench:
	go test ./internal/liveness -run '^$$' -bench . -benchtime 10x -cpu 1
