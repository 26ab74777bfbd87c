//go:build !purego

#include "textflag.h"

// The 6×16 micro-kernel of the packed GEMM (see gemm_mk.go). Register use:
// Y0..Y11 hold the 6×16 block of C (row r in Y(2r), Y(2r+1)), Y12 and Y13
// the current 16 values of B, Y14 the current broadcast of A. Each k-step
// is 2 loads, 6 broadcasts and 12 FMAs; every C element is one FMA chain
// over k in order, starting from zero or from C.
//
// A is read in place (row-major, row stride R11 bytes): rows 0..2 from AX,
// AX+R11, AX+2·R11 and rows 3..5 from R12 = AX+3·R11 likewise.

// MKSTEP does one k-step with A column ao bytes past AX and R12, and the
// sixteen B values bo bytes past BX.
#define MKSTEP(ao, bo) \
	VMOVUPS      bo(BX), Y12; \
	VMOVUPS      32+bo(BX), Y13; \
	VBROADCASTSS ao(AX), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS ao(AX)(R11*1), Y14; \
	VFMADD231PS  Y12, Y14, Y2; \
	VFMADD231PS  Y13, Y14, Y3; \
	VBROADCASTSS ao(AX)(R11*2), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS ao(R12), Y14; \
	VFMADD231PS  Y12, Y14, Y6; \
	VFMADD231PS  Y13, Y14, Y7; \
	VBROADCASTSS ao(R12)(R11*1), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS ao(R12)(R11*2), Y14; \
	VFMADD231PS  Y12, Y14, Y10; \
	VFMADD231PS  Y13, Y14, Y11

// func gemm6x16AVX2(k int, a *float32, lda int, b, c *float32, ldc int, acc int)
TEXT ·gemm6x16AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R11
	SHLQ $2, R11           // A row stride in bytes
	LEAQ (AX)(R11*2), R12
	ADDQ R11, R12          // R12 = &A[3][0]
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), CX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9            // C row stride in bytes
	LEAQ (CX)(R9*2), R10
	ADDQ R9, R10           // R10 = &C[3][0]
	MOVQ acc+48(FP), R8
	TESTQ R8, R8
	JZ   zero
	VMOVUPS (CX), Y0
	VMOVUPS 32(CX), Y1
	VMOVUPS (CX)(R9*1), Y2
	VMOVUPS 32(CX)(R9*1), Y3
	VMOVUPS (CX)(R9*2), Y4
	VMOVUPS 32(CX)(R9*2), Y5
	VMOVUPS (R10), Y6
	VMOVUPS 32(R10), Y7
	VMOVUPS (R10)(R9*1), Y8
	VMOVUPS 32(R10)(R9*1), Y9
	VMOVUPS (R10)(R9*2), Y10
	VMOVUPS 32(R10)(R9*2), Y11
	JMP  start

zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

start:
	MOVQ DX, R8
	SHRQ $2, R8            // R8 = k/4 unrolled steps
	JZ   tail

loop4:
	MKSTEP(0, 0)
	MKSTEP(4, 64)
	MKSTEP(8, 128)
	MKSTEP(12, 192)
	ADDQ $16, AX
	ADDQ $16, R12
	ADDQ $256, BX
	DECQ R8
	JNZ  loop4

tail:
	ANDQ $3, DX            // k mod 4 single steps
	JZ   store

loop1:
	MKSTEP(0, 0)
	ADDQ $4, AX
	ADDQ $4, R12
	ADDQ $64, BX
	DECQ DX
	JNZ  loop1

store:
	VMOVUPS Y0, (CX)
	VMOVUPS Y1, 32(CX)
	VMOVUPS Y2, (CX)(R9*1)
	VMOVUPS Y3, 32(CX)(R9*1)
	VMOVUPS Y4, (CX)(R9*2)
	VMOVUPS Y5, 32(CX)(R9*2)
	VMOVUPS Y6, (R10)
	VMOVUPS Y7, 32(R10)
	VMOVUPS Y8, (R10)(R9*1)
	VMOVUPS Y9, 32(R10)(R9*1)
	VMOVUPS Y10, (R10)(R9*2)
	VMOVUPS Y11, 32(R10)(R9*2)
	VZEROUPPER
	RET

// The 6×32 AVX-512 micro-kernel: the same scheme as gemm6x16AVX2 with ZMM
// registers. Z(2r) holds columns 0..15 of row r (from the panel at BX),
// Z(2r+1) columns 16..31 (from the panel at R13); Z12, Z13 hold the current
// B values and Z14 the broadcast of A. Each k-step is 2 loads, 6 broadcasts
// and 12 FMAs over 384 products; every C element is one FMA chain over k in
// order, so the results equal two calls of the 6×16 kernel bit for bit.

#define MKSTEP512(ao, bo) \
	VMOVUPS      bo(BX), Z12; \
	VMOVUPS      bo(R13), Z13; \
	VBROADCASTSS ao(AX), Z14; \
	VFMADD231PS  Z12, Z14, Z0; \
	VFMADD231PS  Z13, Z14, Z1; \
	VBROADCASTSS ao(AX)(R11*1), Z14; \
	VFMADD231PS  Z12, Z14, Z2; \
	VFMADD231PS  Z13, Z14, Z3; \
	VBROADCASTSS ao(AX)(R11*2), Z14; \
	VFMADD231PS  Z12, Z14, Z4; \
	VFMADD231PS  Z13, Z14, Z5; \
	VBROADCASTSS ao(R12), Z14; \
	VFMADD231PS  Z12, Z14, Z6; \
	VFMADD231PS  Z13, Z14, Z7; \
	VBROADCASTSS ao(R12)(R11*1), Z14; \
	VFMADD231PS  Z12, Z14, Z8; \
	VFMADD231PS  Z13, Z14, Z9; \
	VBROADCASTSS ao(R12)(R11*2), Z14; \
	VFMADD231PS  Z12, Z14, Z10; \
	VFMADD231PS  Z13, Z14, Z11

// func gemm6x32AVX512(k int, a *float32, lda int, b0, b1, c *float32, ldc int, acc int)
TEXT ·gemm6x32AVX512(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R11
	SHLQ $2, R11           // A row stride in bytes
	LEAQ (AX)(R11*2), R12
	ADDQ R11, R12          // R12 = &A[3][0]
	MOVQ b0+24(FP), BX
	MOVQ b1+32(FP), R13
	MOVQ c+40(FP), CX
	MOVQ ldc+48(FP), R9
	SHLQ $2, R9            // C row stride in bytes
	LEAQ (CX)(R9*2), R10
	ADDQ R9, R10           // R10 = &C[3][0]
	MOVQ acc+56(FP), R8
	TESTQ R8, R8
	JZ   zero512
	VMOVUPS (CX), Z0
	VMOVUPS 64(CX), Z1
	VMOVUPS (CX)(R9*1), Z2
	VMOVUPS 64(CX)(R9*1), Z3
	VMOVUPS (CX)(R9*2), Z4
	VMOVUPS 64(CX)(R9*2), Z5
	VMOVUPS (R10), Z6
	VMOVUPS 64(R10), Z7
	VMOVUPS (R10)(R9*1), Z8
	VMOVUPS 64(R10)(R9*1), Z9
	VMOVUPS (R10)(R9*2), Z10
	VMOVUPS 64(R10)(R9*2), Z11
	JMP  start512

zero512:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

start512:
	MOVQ DX, R8
	SHRQ $2, R8            // R8 = k/4 unrolled steps
	JZ   tail512

loop4x512:
	MKSTEP512(0, 0)
	MKSTEP512(4, 64)
	MKSTEP512(8, 128)
	MKSTEP512(12, 192)
	ADDQ $16, AX
	ADDQ $16, R12
	ADDQ $256, BX
	ADDQ $256, R13
	DECQ R8
	JNZ  loop4x512

tail512:
	ANDQ $3, DX            // k mod 4 single steps
	JZ   store512

loop1x512:
	MKSTEP512(0, 0)
	ADDQ $4, AX
	ADDQ $4, R12
	ADDQ $64, BX
	ADDQ $64, R13
	DECQ DX
	JNZ  loop1x512

store512:
	VMOVUPS Z0, (CX)
	VMOVUPS Z1, 64(CX)
	VMOVUPS Z2, (CX)(R9*1)
	VMOVUPS Z3, 64(CX)(R9*1)
	VMOVUPS Z4, (CX)(R9*2)
	VMOVUPS Z5, 64(CX)(R9*2)
	VMOVUPS Z6, (R10)
	VMOVUPS Z7, 64(R10)
	VMOVUPS Z8, (R10)(R9*1)
	VMOVUPS Z9, 64(R10)(R9*1)
	VMOVUPS Z10, (R10)(R9*2)
	VMOVUPS Z11, 64(R10)(R9*2)
	VZEROUPPER
	RET

// The 3-row kernels for a last block of at most three rows: the 6-row
// kernels' scheme with rows 0..2 only (Y0..Y5 or Z0..Z5 hold the block).

#define MKSTEP3(ao, bo) \
	VMOVUPS      bo(BX), Y12; \
	VMOVUPS      32+bo(BX), Y13; \
	VBROADCASTSS ao(AX), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS ao(AX)(R11*1), Y14; \
	VFMADD231PS  Y12, Y14, Y2; \
	VFMADD231PS  Y13, Y14, Y3; \
	VBROADCASTSS ao(AX)(R11*2), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5

// func gemm3x16AVX2(k int, a *float32, lda int, b, c *float32, ldc int, acc int)
TEXT ·gemm3x16AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R11
	SHLQ $2, R11
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), CX
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	MOVQ acc+48(FP), R8
	TESTQ R8, R8
	JZ   zero3
	VMOVUPS (CX), Y0
	VMOVUPS 32(CX), Y1
	VMOVUPS (CX)(R9*1), Y2
	VMOVUPS 32(CX)(R9*1), Y3
	VMOVUPS (CX)(R9*2), Y4
	VMOVUPS 32(CX)(R9*2), Y5
	JMP  start3

zero3:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5

start3:
	MOVQ DX, R8
	SHRQ $2, R8
	JZ   tail3

loop4x3:
	MKSTEP3(0, 0)
	MKSTEP3(4, 64)
	MKSTEP3(8, 128)
	MKSTEP3(12, 192)
	ADDQ $16, AX
	ADDQ $256, BX
	DECQ R8
	JNZ  loop4x3

tail3:
	ANDQ $3, DX
	JZ   store3

loop1x3:
	MKSTEP3(0, 0)
	ADDQ $4, AX
	ADDQ $64, BX
	DECQ DX
	JNZ  loop1x3

store3:
	VMOVUPS Y0, (CX)
	VMOVUPS Y1, 32(CX)
	VMOVUPS Y2, (CX)(R9*1)
	VMOVUPS Y3, 32(CX)(R9*1)
	VMOVUPS Y4, (CX)(R9*2)
	VMOVUPS Y5, 32(CX)(R9*2)
	VZEROUPPER
	RET

#define MKSTEP3_512(ao, bo) \
	VMOVUPS      bo(BX), Z12; \
	VMOVUPS      bo(R13), Z13; \
	VBROADCASTSS ao(AX), Z14; \
	VFMADD231PS  Z12, Z14, Z0; \
	VFMADD231PS  Z13, Z14, Z1; \
	VBROADCASTSS ao(AX)(R11*1), Z14; \
	VFMADD231PS  Z12, Z14, Z2; \
	VFMADD231PS  Z13, Z14, Z3; \
	VBROADCASTSS ao(AX)(R11*2), Z14; \
	VFMADD231PS  Z12, Z14, Z4; \
	VFMADD231PS  Z13, Z14, Z5

// func gemm3x32AVX512(k int, a *float32, lda int, b0, b1, c *float32, ldc int, acc int)
TEXT ·gemm3x32AVX512(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R11
	SHLQ $2, R11
	MOVQ b0+24(FP), BX
	MOVQ b1+32(FP), R13
	MOVQ c+40(FP), CX
	MOVQ ldc+48(FP), R9
	SHLQ $2, R9
	MOVQ acc+56(FP), R8
	TESTQ R8, R8
	JZ   zero3x512
	VMOVUPS (CX), Z0
	VMOVUPS 64(CX), Z1
	VMOVUPS (CX)(R9*1), Z2
	VMOVUPS 64(CX)(R9*1), Z3
	VMOVUPS (CX)(R9*2), Z4
	VMOVUPS 64(CX)(R9*2), Z5
	JMP  start3x512

zero3x512:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5

start3x512:
	MOVQ DX, R8
	SHRQ $2, R8
	JZ   tail3x512

loop4x3x512:
	MKSTEP3_512(0, 0)
	MKSTEP3_512(4, 64)
	MKSTEP3_512(8, 128)
	MKSTEP3_512(12, 192)
	ADDQ $16, AX
	ADDQ $256, BX
	ADDQ $256, R13
	DECQ R8
	JNZ  loop4x3x512

tail3x512:
	ANDQ $3, DX
	JZ   store3x512

loop1x3x512:
	MKSTEP3_512(0, 0)
	ADDQ $4, AX
	ADDQ $64, BX
	ADDQ $64, R13
	DECQ DX
	JNZ  loop1x3x512

store3x512:
	VMOVUPS Z0, (CX)
	VMOVUPS Z1, 64(CX)
	VMOVUPS Z2, (CX)(R9*1)
	VMOVUPS Z3, 64(CX)(R9*1)
	VMOVUPS Z4, (CX)(R9*2)
	VMOVUPS Z5, 64(CX)(R9*2)
	VZEROUPPER
	RET
