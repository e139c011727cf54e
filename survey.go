package ictstat

// SurveyResponse is one answer of one survey response in tidy (long) form: a
// row of survey_responses. A single- or multi-choice question has one row per
// choice of its list (value 1 chosen, 0 not), a numeric question one row with
// its number; an unanswered question has value NULL. Each row carries its
// wave's stratum and the stratum's population total, so that weights
// (population / respondents of the stratum) can be computed in SQL.
type SurveyResponse struct {
	Wave              string   `parquet:"wave,dict"`                           // configured wave id, e.g. startup-2026
	ResponseID        string   `parquet:"response_id"`                         // _uuid of the submission
	SubmittedAt       int64    `parquet:"submitted_at,timestamp(microsecond)"` // _submission_time, UTC
	Stratum           string   `parquet:"stratum,dict"`                        // as the wave defines it, e.g. 62/small
	StratumPopulation int64    `parquet:"stratum_population"`                  // companies in the stratum (post-stratification total)
	Question          string   `parquet:"question,dict"`                       // question name (last part of the field path)
	QuestionLabel     string   `parquet:"question_label,dict"`                 // from the wave configuration
	QuestionType      string   `parquet:"question_type,dict"`                  // single, multi or numeric
	Choice            string   `parquet:"choice,dict"`                         // choice code; "" for numeric
	Value             *float64 `parquet:"value,optional"`                      // 1/0 for a choice, the number for numeric, NULL unanswered
	RegistryNo        string   `parquet:"registry_no"`                         // company of the response, "" when not given
	Source            string   `parquet:"source,dict"`                         // file path or URL
}

// SurveyStratum is a stratum of a survey wave with its population: a row
// of survey_strata. Every stratum of the wave's configuration is stored,
// those without respondents too, so that an estimate can say which part of
// the population it covers.
type SurveyStratum struct {
	Wave       string `parquet:"wave,dict"`    // configured wave id
	Stratum    string `parquet:"stratum,dict"` // as the wave defines it, e.g. 62/small
	Population int64  `parquet:"population"`   // companies in the stratum
}

// Survey question types of SurveyResponse.QuestionType.
const (
	QuestionSingle  = "single"
	QuestionMulti   = "multi"
	QuestionNumeric = "numeric"
)
