package simulate

import "math/rand/v2"

// Salts separate the random streams drawn from one seed, so that adding a
// draw to one kind of stream never shifts the values of another.
const (
	saltCompany  = 0x636f6d70616e7921 // per-company attributes
	saltMonth    = 0x6d6f6e74686c7921 // per-(company, month) figures
	saltAmend    = 0x616d656e646d6e74 // per-(company, month, revision) changes
	saltPlan     = 0x706c616e616d6e64 // which filings are amended, and when
	saltRegistry = 0x7265676e756d6265 // registry number permutation keys
	saltInvalid  = 0x696e76616c696421 // which output lines are invalid, and how
)

// golden is 2^64 divided by the golden ratio, the usual odd increment for
// spreading consecutive integers over the 64-bit space.
const golden = 0x9e3779b97f4a7c15

// mix64 is the splitmix64 finalizer: a cheap bijective hash whose output bits
// all depend on all input bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash3 hashes a seed, a salt and two keys into 64 bits.
func hash3(seed int64, salt, a, b uint64) uint64 {
	h := mix64(uint64(seed) + salt*golden)
	h = mix64(h ^ (a+1)*golden)
	return mix64(h ^ (b+1)*0xd1b54a32d192ed03)
}

// unit maps the top 53 bits of h to a float64 in [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// stream is a reseedable random number generator: one value is reused for
// every (company, month) so that the hot path allocates nothing.
type stream struct {
	pcg rand.PCG
	*rand.Rand
}

// newStream returns a stream; reset it before use.
func newStream() *stream {
	s := &stream{}
	s.Rand = rand.New(&s.pcg)
	return s
}

// reset makes s the stream of (seed, salt, a, b).
func (s *stream) reset(seed int64, salt, a, b uint64) {
	h := hash3(seed, salt, a, b)
	s.pcg.Seed(h, mix64(h^salt))
}

// between returns a uniform float64 in [lo, hi).
func (s *stream) between(lo, hi float64) float64 { return lo + (hi-lo)*s.Float64() }

// chance reports true with probability p.
func (s *stream) chance(p float64) bool { return s.Float64() < p }

// weighted returns an index into weights with probability proportional to
// its weight.
func (s *stream) weighted(weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	x := s.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// registryDomain is the number of 7-digit registry numbers: 1000000-9999999.
const registryDomain = MaxCompanies

// registryPerm is a seeded permutation of [0, registryDomain): a 4-round
// Feistel network on 24 bits with cycle walking, so that company i gets a
// unique, random-looking registry number without a table of used numbers.
type registryPerm struct{ keys [4]uint64 }

func newRegistryPerm(seed int64) registryPerm {
	var p registryPerm
	for i := range p.keys {
		p.keys[i] = hash3(seed, saltRegistry, uint64(i), 0)
	}
	return p
}

// at returns the image of i, which must be below registryDomain.
func (p registryPerm) at(i uint32) uint32 {
	x := i
	for {
		l, r := x>>12, x&0xfff
		for _, k := range p.keys {
			l, r = r, l^uint32(mix64(uint64(r)^k)&0xfff)
		}
		x = l<<12 | r
		if x < registryDomain {
			return x
		}
	}
}
