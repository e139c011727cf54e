package ictstat_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestICTSector(t *testing.T) {
	tests := []struct {
		isic4 string
		want  bool
	}{
		// Inside the OECD definition: 261-264, 268, 4651, 4652, 582, 61, 62, 631, 951.
		{"2610", true}, {"2620", true}, {"2630", true}, {"2640", true}, {"2680", true},
		{"4651", true}, {"4652", true}, {"5820", true},
		{"6110", true}, {"6120", true}, {"6130", true}, {"6190", true},
		{"6201", true}, {"6202", true}, {"6209", true},
		{"6311", true}, {"6312", true}, {"9511", true}, {"9512", true},
		// Neighbours that are outside it.
		{"2651", false}, {"2652", false}, {"2660", false}, {"2670", false}, {"2710", false},
		{"4653", false}, {"4659", false}, {"4610", false},
		{"5811", false}, {"5813", false}, {"5911", false},
		{"6010", false}, {"6391", false}, {"6399", false}, {"6419", false},
		{"9521", false}, {"9529", false}, {"4711", false}, {"0111", false},
		{"", false}, {"6", false},
	}
	for _, tt := range tests {
		t.Run(tt.isic4, func(t *testing.T) {
			if got := ictstat.ICTSector(tt.isic4); got != tt.want {
				t.Errorf("ICTSector(%q) = %v, want %v", tt.isic4, got, tt.want)
			}
		})
	}
}

func TestValidISIC4(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"6201", true}, {"0111", true}, {"4711", true}, {"9900", true}, {"3510", true},
		{"", false}, {"620", false}, {"62011", false}, {"62a1", false}, {"-620", false},
		{"62 1", false}, {" 620", false}, {"６２０１", false}, // full-width digits
		{"0411", false}, // division 04 does not exist
		{"4000", false}, // nor 40
		{"0011", false}, {"3411", false}, {"4411", false}, {"5411", false}, {"8311", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := ictstat.ValidISIC4(tt.s); got != tt.want {
				t.Errorf("ValidISIC4(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

// TestValidISIC4Divisions checks every two-digit prefix against the ISIC
// Rev.4 division list written out independently as ranges.
func TestValidISIC4Divisions(t *testing.T) {
	ranges := [][2]int{{1, 3}, {5, 33}, {35, 39}, {41, 43}, {45, 47}, {49, 53}, {55, 56}, {58, 66}, {68, 75}, {77, 82}, {84, 88}, {90, 99}}
	in := func(d int) bool {
		for _, r := range ranges {
			if d >= r[0] && d <= r[1] {
				return true
			}
		}
		return false
	}
	n := 0
	for d := 0; d < 100; d++ {
		s := fmt.Sprintf("%02d10", d)
		if got, want := ictstat.ValidISIC4(s), in(d); got != want {
			t.Errorf("ValidISIC4(%q) = %v, want %v", s, got, want)
		}
		if in(d) {
			n++
		}
	}
	if n != 88 {
		t.Errorf("got %d divisions in the test's ranges, want 88 (ISIC Rev.4)", n)
	}
}

func TestValidEBOPS(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		// The codes the contract names.
		{"SI", true}, {"SI1", true}, {"SI2", true}, {"SI21", true}, {"SI22", true},
		{"SI3", true}, {"SI31", true}, {"SI32", true}, {"SH", true},
		// Other EBOPS 2010 codes: valid, flagged later as not ICT.
		{"SA", true}, {"SC1", true}, {"SJ", true}, {"SJ111", true}, {"SK24", true}, {"SL", true},
		{"", false}, {"S", false}, {"SM", false}, {"S1", false}, {"si2", false}, {"Si2", false},
		{"XI2", false}, {"SI2222", false}, {"SI2A", false}, {"SI 2", false}, {" SI2", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := ictstat.ValidEBOPS(tt.s); got != tt.want {
				t.Errorf("ValidEBOPS(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestICTServiceItems(t *testing.T) {
	if ictstat.ICTServiceItems["SH"] {
		t.Errorf(`ICTServiceItems["SH"] = true, want false: IP charges are not ICT services`)
	}
	for _, code := range []string{"SI", "SI1", "SI2", "SI21", "SI22", "SI3", "SI31", "SI32"} {
		if !ictstat.ICTServiceItems[code] {
			t.Errorf("ICTServiceItems[%q] = false, want true", code)
		}
		if !ictstat.ValidEBOPS(code) {
			t.Errorf("ValidEBOPS(%q) = false, want true", code)
		}
	}
	for _, code := range []string{"SJ", "SC1", "SK", "S"} {
		if ictstat.ICTServiceItems[code] {
			t.Errorf("ICTServiceItems[%q] = true, want false", code)
		}
	}
}

func TestValidRegistryNo(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"6543210", true}, {"0000000", true},
		{"", false}, {"654321", false}, {"65432100", false}, {"654321a", false}, {" 654321", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := ictstat.ValidRegistryNo(tt.s); got != tt.want {
				t.Errorf("ValidRegistryNo(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestValidCountry(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"KZ", true}, {"JP", true}, {"MN", true}, {"CN", true}, {"RU", true}, {"US", true},
		{"AD", true}, {"ZW", true}, // first and last of the list
		{"SS", true}, {"CW", true}, {"BQ", true}, {"SX", true}, // assigned since 2010-2011
		{"", false}, {"K", false}, {"KZZ", false}, {"kz", false}, {"Kz", false},
		{"XK", false}, {"ZZ", false}, {"AA", false}, {"EU", false}, {"UK", false}, {"W1", false},
		{"DA", false}, {"EA", false}, // letters of neighbouring codes (AD AE) run together
		{"K ", false}, {" K", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := ictstat.ValidCountry(tt.s); got != tt.want {
				t.Errorf("ValidCountry(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

// TestValidCountryCount checks the whole alphabet: ISO 3166-1 assigns 249
// alpha-2 codes.
func TestValidCountryCount(t *testing.T) {
	var valid []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if s := string([]rune{a, b}); ictstat.ValidCountry(s) {
				valid = append(valid, s)
			}
		}
	}
	if len(valid) != 249 {
		t.Errorf("got %d valid codes, want 249: %s", len(valid), strings.Join(valid, " "))
	}
}
