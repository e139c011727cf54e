-- name: survey_estimates
-- title: Survey estimates with standard errors
-- answers: For one question of a survey wave: the weighted share of companies choosing each answer (single- and multi-choice questions) or the weighted mean (numeric questions), for each stratum and for all strata together, with standard errors, 95% confidence intervals and design effects.
-- method: Stratified estimation with post-stratification weights w_h = N_h / n_h, where N_h is the stratum's population (stratum_population) and n_h the responses in the stratum that answered the question (value not NULL; an unanswered question is left out, not counted as 0). Stratum h: estimate = mean of the answers (a choice's answers are 1 chosen, 0 not, so the mean is the share). All strata: estimate = sum over strata of W_h times the stratum mean, W_h = N_h / N, N = population of the strata with at least one answer; strata without answers, those of the wave's configuration (table survey_strata) that no response came from included, are left out of N, and the flag of the total names them and says what part of the wave's population the total covers. Variance method: stratified sampling without replacement within strata; item nonresponse (a question left unanswered) is handled by reweighting the stratum's answering responses to its whole population (w_h = N_h / n_h of the answers), which assumes answers are missing at random within a stratum. Standard error: the Taylor-linearised variance of the weighted mean, which for this design is the textbook stratified variance sum W_h^2 (1 - n_h/N_h) s_h^2 / n_h, with the finite population correction (1 - n_h/N_h) and s_h^2 the sample variance (n_h - 1 divisor) of the stratum's answers; a stratum with one answer has no s_h^2 and adds no variance (flagged); more answers than population sets its correction to 0 (flagged). 95% interval: for a share, the Korn-Graubard interval (R survey's svyciprop method "beta"): the Clopper-Pearson interval [B(0.025; x, n* - x + 1), B(0.975; x + 1, n* - x)] on the effective sample size n* = p (1 - p) / variance, times (t_0.975(n - 1) / t_0.975(n - H))^2 for the design's n - H degrees of freedom (H strata with answers), x = n* p; where the effective size is not defined (a share of 0 or 1, a stratum with no variance) the n answers themselves, so that a share of 0 or 1 gets the exact interval [0, 1 - 0.025^(1/n)] or [0.025^(1/n), 1], and a small cell an interval that keeps its coverage (B is the beta quantile, beta_quantile, and t Student's, t_quantile: SQL functions of the query engine). For a mean, estimate +- 1.959963984540054 SE. Design effect: the variance above over the variance of a simple random sample of the same n, (1 - n/N) S^2 / n, with S^2 = n/(n - 1) times the weighted mean of the squared deviations from the estimate (Kish; R survey's svymean deff). An estimate resting on fewer than min_n answers is suppressed: estimate, SE, interval and design effect NULL, with the reason in flag; n and population are still shown. A wave or question that does not exist is an error that names the waves, or the wave's questions.
-- param: wave string = : survey wave id, e.g. startup-2026; empty: the wave with the latest submission
-- param: question string = (required) : question name as in survey_responses.question
-- param: min_n int = 10 : fewest answers an estimate may rest on; smaller cells are suppressed and flagged
-- column: wave [label] : survey wave id
-- column: question [label] : question name
-- column: question_label [text] : question text from the wave configuration
-- column: statistic [label] : share (single- or multi-choice) or mean (numeric)
-- column: choice [code] : choice code; empty for a numeric question
-- column: stratum [label] : stratum, or "all" for the strata together
-- column: population [companies] : population the estimate stands for (N_h, or N over the strata with answers)
-- column: n [responses] : unweighted number of answers
-- column: estimate [share or question unit] : weighted share of companies choosing the choice (0 to 1), or weighted mean in the question's unit
-- column: se [share or question unit] : standard error of the estimate
-- column: ci_low [share or question unit] : lower end of the 95% confidence interval
-- column: ci_high [share or question unit] : upper end of the 95% confidence interval
-- column: deff [ratio] : design effect: variance under the design / variance under simple random sampling of the same n
-- column: flag [text] : why a figure is suppressed or to be read with care; empty when none
WITH target AS (
    SELECT CASE WHEN $wave = '' THEN (SELECT arg_max(wave, submitted_at) FROM survey_responses) ELSE $wave END AS wave
), wave_strata AS (
    -- every stratum of the wave with its population: those of the wave's configuration (survey_strata), with
    -- respondents or not, and those of the responses (a warehouse ingested before survey_strata existed)
    SELECT stratum, max(pop) AS pop FROM (
        SELECT stratum, population AS pop FROM survey_strata WHERE wave = (SELECT wave FROM target)
        UNION ALL
        SELECT stratum, stratum_population FROM survey_responses WHERE wave = (SELECT wave FROM target)
    ) GROUP BY stratum
), answers AS (
    SELECT wave, question, question_label, question_type, choice, stratum, stratum_population, value
    FROM survey_responses
    WHERE wave = (SELECT wave FROM target) AND question = $question
), guard AS (
    -- a wave or question that does not exist is an error naming what does
    -- (exit 2, HTTP 400), not an empty table
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM survey_responses WHERE wave = (SELECT wave FROM target)) THEN error(
            'bad parameter wave: no survey wave "' || coalesce((SELECT wave FROM target), '') || '" in this snapshot; waves: '
            || coalesce((SELECT string_agg(DISTINCT wave, ', ' ORDER BY wave) FROM survey_responses), 'none (ingest a survey first)'))
        WHEN NOT EXISTS (SELECT 1 FROM answers) THEN error(
            'bad parameter question: wave "' || (SELECT wave FROM target) || '" has no question "' || $question || '"; its questions: '
            || (SELECT string_agg(DISTINCT question, ', ' ORDER BY question) FROM survey_responses WHERE wave = (SELECT wave FROM target)))
    END AS ok
), cells AS (
    -- one row per choice and stratum with at least one answer
    SELECT
        any_value(wave) AS wave, any_value(question_label) AS question_label,
        CASE any_value(question_type) WHEN 'numeric' THEN 'mean' ELSE 'share' END AS statistic,
        choice, stratum,
        max(stratum_population) AS pop,
        count(value) AS n,
        avg(value) AS mean,
        var_samp(value) AS s2,
        greatest(0, 1 - count(value) / max(stratum_population)) AS fpc,
        count(value) > max(stratum_population) AS over
    FROM answers
    WHERE value IS NOT NULL
    GROUP BY choice, stratum
), totals AS (
    SELECT choice, CAST(sum(pop) AS BIGINT) AS pop, CAST(sum(n) AS BIGINT) AS n, sum(pop * mean) / sum(pop) AS mean,
        bool_or(n = 1) AS lonely, bool_or(over) AS over, count(*) AS strata
    FROM cells GROUP BY choice
), overall AS (
    SELECT
        any_value(c.wave) AS wave, any_value(c.question_label) AS question_label, any_value(c.statistic) AS statistic,
        c.choice, 'all' AS stratum, t.pop, t.n, t.mean,
        sum((c.pop / t.pop) ^ 2 * c.fpc * coalesce(c.s2, 0) / c.n) AS var,
        -- S^2: n/(n-1) x weighted mean of squared deviations from the estimate
        CASE WHEN t.n > 1 THEN t.n / (t.n - 1)
            * sum((c.pop / c.n) * ((c.n - 1) * coalesce(c.s2, 0) + c.n * (c.mean - t.mean) ^ 2)) / t.pop END AS s2_pop,
        t.lonely, t.over, t.strata
    FROM cells c JOIN totals t USING (choice)
    GROUP BY c.choice, t.pop, t.n, t.mean, t.lonely, t.over, t.strata
), missing AS (
    -- strata of the wave in which nobody answered the question
    SELECT count(*) AS strata, CAST(coalesce(sum(pop), 0) AS BIGINT) AS pop, string_agg(stratum, ', ' ORDER BY stratum) AS names
    FROM wave_strata WHERE stratum NOT IN (SELECT stratum FROM cells)
), est AS (
    SELECT wave, question_label, statistic, choice, stratum, pop, n, mean,
        CASE WHEN n > 1 THEN fpc * s2 / n END AS var,
        CASE WHEN n > 1 THEN fpc * s2 / n END AS var_srs,
        n = 1 AS lonely, over, false AS is_all, 1 AS strata
    FROM cells
    UNION ALL
    SELECT wave, question_label, statistic, choice, stratum, pop, n, mean, var,
        CASE WHEN n > 1 THEN (1 - least(n / pop, 1)) * s2_pop / n END AS var_srs,
        lonely, over, true AS is_all, strata
    FROM overall
), neff AS (
    -- Korn-Graubard: the effective sample size of a share, p (1 - p) / variance, times (t(n - 1) / t(n - H))^2 for
    -- the design's degrees of freedom (H strata); the sample size n itself where that is not defined (a share of 0
    -- or 1, or no variance)
    SELECT *,
        CASE WHEN var > 0 AND mean > 0 AND mean < 1 THEN mean * (1 - mean) / var ELSE n END
            * CASE WHEN n - strata > 0 AND n > 1
                THEN pow(t_quantile(0.025, n - 1) / t_quantile(0.025, n - strata), 2) ELSE 1 END AS n_eff
    FROM est
), shown AS (
    SELECT *, n >= $min_n AS enough, sqrt(var) AS se, n_eff * mean AS x
    FROM neff
)
SELECT
    wave, $question AS question, question_label, statistic, choice, stratum,
    pop AS population, n,
    CASE WHEN enough THEN mean END AS estimate,
    CASE WHEN enough THEN se END AS se,
    CASE WHEN NOT enough THEN NULL
        WHEN statistic = 'mean' THEN mean - 1.959963984540054 * se
        WHEN x <= 0 THEN 0.0 ELSE beta_quantile(0.025, x, n_eff - x + 1) END AS ci_low,
    CASE WHEN NOT enough THEN NULL
        WHEN statistic = 'mean' THEN mean + 1.959963984540054 * se
        WHEN x >= n_eff THEN 1.0 ELSE beta_quantile(0.975, x + 1, n_eff - x) END AS ci_high,
    CASE WHEN enough AND var_srs > 0 THEN var / var_srs END AS deff,
    concat_ws('; ',
        CASE WHEN NOT enough THEN 'n<' || CAST($min_n AS VARCHAR) || ': suppressed' END,
        CASE WHEN lonely AND is_all THEN 'a stratum with 1 answer adds no variance' WHEN lonely THEN '1 answer: no standard error' END,
        CASE WHEN over THEN 'more answers than population: no finite population correction' END,
        CASE WHEN enough AND statistic = 'share' AND (mean = 0 OR mean = 1) THEN 'share 0 or 1: Clopper-Pearson interval on the ' || CAST(n AS VARCHAR) || ' answers' END,
        CASE WHEN is_all AND (SELECT strata FROM missing) > 0
            THEN 'covers ' || CAST(pop AS VARCHAR) || ' of the wave''s ' || CAST(pop + (SELECT pop FROM missing) AS VARCHAR)
                || ' companies; left out, no answers: ' || (SELECT names FROM missing) || ' (population ' || CAST((SELECT pop FROM missing) AS VARCHAR) || ')' END
    ) AS flag
FROM shown
WHERE (SELECT ok FROM guard) IS NULL
ORDER BY choice, is_all, stratum
