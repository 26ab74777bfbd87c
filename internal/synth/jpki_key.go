package synth

import (
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"math/big"
	"math/rand/v2"
	"strconv"
)

// deterministicRSAKey derives an RSA-2048 key from (seed, label). crypto/rsa
// ignores caller-supplied randomness since Go 1.26, so a test PKI that must be
// byte-identical for a given seed has to find its own primes. The keys are
// for synthetic test data only: anyone who knows the seed knows the key.
func deterministicRSAKey(seed int64, label string) (*rsa.PrivateKey, error) {
	rng := rand.New(rand.NewChaCha8(sha256.Sum256([]byte("kakunin-synth-jpki-key/" + strconv.FormatInt(seed, 10) + "/" + label))))
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for range 64 {
		p := randomPrime(rng, 1024)
		q := randomPrime(rng, 1024)
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != 2048 {
			continue
		}
		pm1 := new(big.Int).Sub(p, one)
		qm1 := new(big.Int).Sub(q, one)
		phi := new(big.Int).Mul(pm1, qm1)
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		key := &rsa.PrivateKey{
			PublicKey: rsa.PublicKey{N: n, E: 65537},
			D:         d,
			Primes:    []*big.Int{p, q},
		}
		key.Precompute()
		if err := key.Validate(); err != nil {
			continue
		}
		return key, nil
	}
	return nil, errors.New("synth: could not derive an RSA key")
}

// smallPrimes are the odd primes below 2000, for sieving candidates before
// the expensive probabilistic test.
var smallPrimes = func() []uint64 {
	var ps []uint64
	for n := uint64(3); n < 2000; n += 2 {
		prime := true
		for _, p := range ps {
			if p*p > n {
				break
			}
			if n%p == 0 {
				prime = false
				break
			}
		}
		if prime {
			ps = append(ps, n)
		}
	}
	return ps
}()

// randomPrime returns a prime of exactly bits bits with the top two bits set,
// so that the product of two such primes has exactly 2*bits bits. It walks
// odd numbers up from a random start and skips those with a small factor.
func randomPrime(rng *rand.Rand, bits int) *big.Int {
	buf := make([]byte, bits/8)
	rem := make([]uint64, len(smallPrimes))
	mod := new(big.Int)
	for {
		for i := 0; i < len(buf); i += 8 {
			v := rng.Uint64()
			for j := 0; j < 8 && i+j < len(buf); j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		buf[0] |= 0xC0
		buf[len(buf)-1] |= 1
		base := new(big.Int).SetBytes(buf)
		for i, sp := range smallPrimes {
			rem[i] = mod.Mod(base, new(big.Int).SetUint64(sp)).Uint64()
		}
	next:
		for delta := uint64(0); delta < 1<<16; delta += 2 {
			for i, sp := range smallPrimes {
				if (rem[i]+delta)%sp == 0 {
					continue next
				}
			}
			p := new(big.Int).Add(base, new(big.Int).SetUint64(delta))
			if p.BitLen() != bits {
				break
			}
			if p.ProbablyPrime(1) {
				return p
			}
		}
	}
}
