package ictstat

// RegistrationRecord is a registry event exactly as the feed sent it.
type RegistrationRecord struct {
	RegistryNo  string `json:"registry_no"`
	CompanyName string `json:"company_name"`
	ISIC4       string `json:"isic4"`
	Zone        string `json:"zone"`
	Event       string `json:"event"` // registered or deregistered
	Date        string `json:"date"`  // YYYY-MM-DD
}

// Registration is a validated registry event: a row of registrations.
type Registration struct {
	RegistryNo  string `parquet:"registry_no"`
	CompanyName string `parquet:"company_name"`
	ISIC4       string `parquet:"isic4,dict"`
	ICTSector   bool   `parquet:"ict_sector"`
	Zone        string `parquet:"zone,dict"`
	Event       string `parquet:"event,dict"` // registered or deregistered
	Date        Date   `parquet:"date,date"`
	Source      string `parquet:"source,dict"` // raw page archive or file the event came from
	SourceLine  int64  `parquet:"source_line"`
}

// Company is one company of the virtual-zone register as its events leave
// it: a row of companies. It is active on day D when
// registered_on <= D and (deregistered_on IS NULL or deregistered_on > D).
type Company struct {
	RegistryNo     string         `parquet:"registry_no"`
	CompanyName    string         `parquet:"company_name"` // as of the latest event
	ISIC4          string         `parquet:"isic4,dict"`   // as of the latest event
	ICTSector      bool           `parquet:"ict_sector"`
	Zone           string         `parquet:"zone,dict"` // as of the latest event
	RegisteredOn   Date           `parquet:"registered_on,date"`
	DeregisteredOn *Date          `parquet:"deregistered_on,date,optional"` // NULL while registered
	Active         bool           `parquet:"active"`                        // registered after the latest event
	Events         int32          `parquet:"events"`
	History        []CompanySpell `parquet:"history,list"` // every spell, oldest first
}

// CompanySpell is a stretch of time over which a company's registry entry
// did not change: from one event to the next. The company is active on day
// D of a spell when registered is true and valid_from <= D < valid_to.
type CompanySpell struct {
	ValidFrom   Date   `parquet:"valid_from,date"`
	ValidTo     *Date  `parquet:"valid_to,date,optional"` // exclusive; NULL for the current spell
	Registered  bool   `parquet:"registered"`             // false after a deregistration
	Zone        string `parquet:"zone"`
	ISIC4       string `parquet:"isic4"`
	ICTSector   bool   `parquet:"ict_sector"`
	CompanyName string `parquet:"company_name"`
}
