package ictstat

import (
	"fmt"
	"strings"
)

// ictPrefixes is the OECD ICT-sector definition (ISIC Rev.4) as class
// prefixes: groups 261-264 and 268, classes 4651 and 4652, group 582,
// divisions 61 and 62, group 631 and group 951.
var ictPrefixes = [...]string{"261", "262", "263", "264", "268", "4651", "4652", "582", "61", "62", "631", "951"}

// ICTSector reports whether the ISIC Rev.4 class lies inside the OECD ICT
// sector definition.
func ICTSector(isic4 string) bool {
	if len(isic4) == 4 && allDigits(isic4) {
		return ictClass[int(isic4[0]-'0')*1000+int(isic4[1]-'0')*100+int(isic4[2]-'0')*10+int(isic4[3]-'0')]
	}
	return hasICTPrefix(isic4)
}

// ictClass[c] is ICTSector of the 4-digit class c (0000-9999).
var ictClass = func() (t [10000]bool) {
	for c := range t {
		t[c] = hasICTPrefix(fmt.Sprintf("%04d", c))
	}
	return t
}()

func hasICTPrefix(isic4 string) bool {
	for _, p := range ictPrefixes {
		if strings.HasPrefix(isic4, p) {
			return true
		}
	}
	return false
}

// isicDivisions lists the divisions (first two digits) that ISIC Rev.4 uses.
const isicDivisions = "01 02 03 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 " +
	"35 36 37 38 39 41 42 43 45 46 47 49 50 51 52 53 55 56 58 59 60 61 62 63 64 65 66 68 69 70 71 72 73 74 75 " +
	"77 78 79 80 81 82 84 85 86 87 88 90 91 92 93 94 95 96 97 98 99"

// ValidISIC4 reports whether s is four digits whose division exists in ISIC Rev.4.
func ValidISIC4(s string) bool {
	if len(s) != 4 || !allDigits(s) {
		return false
	}
	return validDivision[int(s[0]-'0')*10+int(s[1]-'0')]
}

// validDivision[d] reports whether division d (0-99) is in isicDivisions.
var validDivision = func() (t [100]bool) {
	for _, d := range strings.Fields(isicDivisions) {
		t[int(d[0]-'0')*10+int(d[1]-'0')] = true
	}
	return t
}()

// ICTServiceItems are the EBOPS 2010 telecommunications, computer and
// information services items (SI and its sub-items): ICT services exports.
// SH (charges for the use of intellectual property), which the feed contract
// also names, is accepted but not counted as an ICT service.
var ICTServiceItems = map[string]bool{
	"SI": true, "SI1": true, "SI2": true, "SI21": true, "SI22": true,
	"SI3": true, "SI31": true, "SI32": true,
}

// ValidEBOPS reports whether s has the form of an EBOPS 2010 code: "S", a
// main component letter A-L, then up to three digits (SI21, SC3, SJ).
func ValidEBOPS(s string) bool {
	if len(s) < 2 || len(s) > 5 || s[0] != 'S' || s[1] < 'A' || s[1] > 'L' {
		return false
	}
	return allDigits(s[2:])
}

// ValidRegistryNo reports whether s is a Mongolian state registration
// number: exactly seven digits.
func ValidRegistryNo(s string) bool { return len(s) == 7 && allDigits(s) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// iso3166 holds every officially assigned ISO 3166-1 alpha-2 code.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// ValidCountry reports whether s is an assigned ISO 3166-1 alpha-2 code
// (upper case).
func ValidCountry(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	return validCountry[int(s[0]-'A')*26+int(s[1]-'A')]
}

// validCountry[a*26+b] reports whether the code of letters A+a, A+b is in
// iso3166.
var validCountry = func() (t [26 * 26]bool) {
	for _, c := range strings.Fields(iso3166) {
		t[int(c[0]-'A')*26+int(c[1]-'A')] = true
	}
	return t
}()
