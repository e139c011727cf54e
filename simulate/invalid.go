package simulate

// breaker turns valid filings into invalid records. It keeps its own copy
// of the filing so that the generator's filing is never changed.
type breaker struct {
	f       Filing
	exports []Export
}

// appendInvalid appends a record of the given kind (see InvalidKinds) made
// from f to b; h chooses among the variants of the kind.
func (bk *breaker) appendInvalid(b []byte, f *Filing, kind string, h uint64) []byte {
	bk.f = *f
	g := &bk.f
	bk.exports = append(bk.exports[:0], f.Exports...)
	g.Exports = bk.exports
	variant := h % 3
	h >>= 8
	flt := faultNone
	switch kind {
	case KindBadRegistryNo:
		switch variant {
		case 0:
			g.RegistryNo = f.RegistryNo[:6]
		case 1:
			g.RegistryNo = f.RegistryNo + "0"
		default:
			g.RegistryNo = f.RegistryNo[:3] + "O" + f.RegistryNo[4:] // a letter O for a zero
		}
		g.FilingID = idPrefix(f) + g.RegistryNo
	case KindBadISIC:
		switch variant {
		case 0:
			g.ISIC4 = f.ISIC4[:3]
		case 1:
			g.ISIC4 = f.ISIC4 + "1"
		default:
			g.ISIC4 = f.ISIC4[:2] + "A" + f.ISIC4[3:]
		}
	case KindBadPeriod:
		switch variant {
		case 0:
			g.Period = f.Period[:4] + "-13"
		case 1:
			g.Period = f.Period[:4] + "-00"
		default:
			g.Period = f.Period[:4] + f.Period[5:] // YYYYMM
		}
	case KindFuturePeriod:
		t := f.SubmittedAt.In(ulaanbaatar())
		m := monthOf(t.Year(), int(t.Month())) + 1 + int32(variant)
		g.Period = formatPeriod(m)
		g.FilingID = "VZ-" + g.Period[:4] + g.Period[5:] + "-" + f.RegistryNo
	case KindNegativeAmount:
		field := int(h % 5)
		if field == 4 && len(g.Exports) == 0 {
			field = 0
		}
		neg := func(x float64) float64 { return -max(x, 1000) }
		switch field {
		case 0:
			g.Revenue = neg(g.Revenue)
		case 1:
			g.IntermediateConsumption = neg(g.IntermediateConsumption)
		case 2:
			g.Wages = neg(g.Wages)
		case 3:
			g.RnDExpense = neg(g.RnDExpense)
		default:
			i := int(h>>8) % len(g.Exports)
			g.Exports[i].Amount = neg(g.Exports[i].Amount)
		}
	case KindBadCurrency:
		g.Currency = "EUR"
	case KindBadCountry:
		if len(g.Exports) == 0 {
			g.Exports = append(g.Exports, Export{Country: "KZ", EBOPS: "SI2", Amount: 1000})
			bk.exports = g.Exports
		}
		country := "XX1"
		if variant == 0 {
			country = "kz"
		}
		g.Exports[int(h%uint64(len(g.Exports)))].Country = country
	case KindMissingField:
		flt = faultNoFilingID
		if variant == 0 {
			flt = faultNoRevision
		}
	case KindBadType:
		flt = faultRevenueAsText
	case KindNotJSON:
		if variant == 0 && h%4 == 0 {
			return append(b, "<html><body><h1>502 Bad Gateway</h1></body></html>"...)
		}
		start := len(b)
		b = appendFiling(b, g, faultNone)
		// Cut at a random byte, but not inside a UTF-8 sequence, so that the
		// line is broken JSON yet still readable text.
		cut := start + 1 + int(h%uint64(len(b)-start-1))
		for cut > start+1 && b[cut]&0xc0 == 0x80 {
			cut--
		}
		return b[:cut]
	}
	return appendFiling(b, g, flt)
}

// idPrefix returns "VZ-YYYYMM-" of a generated filing.
func idPrefix(f *Filing) string { return f.FilingID[:len("VZ-YYYYMM-")] }
