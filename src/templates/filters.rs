//! Template filters: `markdown`, `slugify`, `date`, `number`, `json_encode`.

use std::collections::HashMap;
use std::sync::Arc;

use tera::{Kwargs, State, TeraResult, Value};

/// Date formats per language (from `[languages.xx] date_format`).
#[derive(Debug, Clone, Default)]
pub struct Locales {
    /// Language used when a template has no `lang` variable.
    pub default_language: String,
    /// Language code to its date format.
    pub date_formats: HashMap<String, String>,
}

/// Registers gca's filters.
pub fn register(tera: &mut tera::Tera, locales: Arc<Locales>) {
    tera.register_filter("markdown", markdown);
    tera.register_filter("slugify", slugify);
    let l = locales.clone();
    tera.register_filter("date", move |text: &str, kw: Kwargs, st: &State| {
        date(text, kw, st, &l)
    });
    tera.register_filter("number", move |v: &Value, kw: Kwargs, st: &State| {
        number(v, kw, st, &locales)
    });
    tera.register_filter("json_encode", json_encode);
}

/// The language to format for: the `lang=` argument, else the template's
/// `lang` variable, else the site's default.
fn language(kwargs: &Kwargs, state: &State, locales: &Locales) -> TeraResult<String> {
    if let Some(l) = kwargs.get::<&str>("lang")? {
        return Ok(l.to_string());
    }
    Ok(state
        .get::<String>("lang")
        .ok()
        .flatten()
        .unwrap_or_else(|| locales.default_language.clone()))
}

/// Renders a string of Markdown (raw HTML escaped; `inline=true` drops the
/// surrounding paragraph). Internal `@/` links are not resolved here: write
/// them in content files, where the build checks them.
fn markdown(text: &str, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let inline = kwargs.get::<bool>("inline")?.unwrap_or(false);
    let mut o = comrak::Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.parse.smart = true;
    o.render.escape = true;
    let mut html = comrak::markdown_to_html(text, &o);
    if inline {
        let t = html.trim();
        if let Some(inner) = t.strip_prefix("<p>").and_then(|r| r.strip_suffix("</p>"))
            && !inner.contains("<p>")
        {
            html = inner.to_string();
        }
    }
    Ok(Value::safe_string(&html))
}

fn slugify(text: &str, _: Kwargs, _: &State) -> String {
    crate::slug::slugify(text)
}

/// Formats a date (`YYYY-MM-DD` or RFC 3339) for the page's language: with
/// `format=` (strftime; `%B`/`%b` give the month's name in the language),
/// else the language's `date_format`, else its usual long form
/// (`26 June 2008`, `26 juin 2008`, `2008年6月26日`...).
fn date(text: &str, kwargs: Kwargs, state: &State, locales: &Locales) -> TeraResult<String> {
    let lang = language(&kwargs, state, locales)?;
    let base = lang.split('-').next().unwrap_or("en").to_string();
    let format = match kwargs.get::<&str>("format")? {
        Some(f) => f.to_string(),
        None => locales
            .date_formats
            .get(&lang)
            .cloned()
            .unwrap_or_else(|| default_date_format(&base).to_string()),
    };
    let parsed = crate::content::frontmatter::Date::parse(text).map_err(tera::Error::message)?;
    let ts = jiff::Timestamp::from_second(parsed.timestamp)
        .map_err(|e| tera::Error::message(e.to_string()))?;
    let dt = jiff::tz::TimeZone::UTC.to_datetime(ts);
    let month = usize::try_from(dt.month() - 1).unwrap_or(0);
    let names = month_names(&base);
    // Month names go in before strftime sees the format; `%` in them is escaped.
    let localized = format
        .replace("%B", &names[month].replace('%', "%%"))
        .replace("%b", &names[month].replace('%', "%%"));
    jiff::fmt::strtime::format(localized, dt)
        .map_err(|e| tera::Error::message(format!("date format `{format}`: {e}")))
}

fn default_date_format(lang: &str) -> &'static str {
    match lang {
        "es" => "%-d de %B de %Y",
        "zh" => "%Y年%-m月%-d日",
        "ru" => "%-d %B %Y г.",
        _ => "%-d %B %Y",
    }
}

/// Month names as used after a day number (Russian takes the genitive).
fn month_names(lang: &str) -> [&'static str; 12] {
    match lang {
        "fr" => [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
        "es" => [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
        "ru" => [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
        "ar" => [
            "يناير",
            "فبراير",
            "مارس",
            "أبريل",
            "مايو",
            "يونيو",
            "يوليو",
            "أغسطس",
            "سبتمبر",
            "أكتوبر",
            "نوفمبر",
            "ديسمبر",
        ],
        "zh" => [
            "一月",
            "二月",
            "三月",
            "四月",
            "五月",
            "六月",
            "七月",
            "八月",
            "九月",
            "十月",
            "十一月",
            "十二月",
        ],
        _ => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
    }
}

/// Writes an integer with the language's digit grouping: `12,345` (en,
/// zh), `12 345` (fr, ru, with a narrow no-break space; es with a no-break
/// space), `12٬345` (ar).
fn number(value: &Value, kwargs: Kwargs, state: &State, locales: &Locales) -> TeraResult<String> {
    let n = value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f.round() as i64))
        .ok_or_else(|| tera::Error::message("number: expected a number"))?;
    let lang = language(&kwargs, state, locales)?;
    let sep = match lang.split('-').next().unwrap_or("en") {
        "fr" | "ru" => "\u{202F}",
        "es" => "\u{00A0}",
        "ar" => "\u{066C}",
        _ => ",",
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0
            && (digits.len() - i) % 3 == 0
            && (digits.len() > 4
                || lang.starts_with("en")
                || lang.starts_with("zh")
                || lang.starts_with("ar"))
        {
            out.push_str(sep);
        }
        out.push(c);
    }
    Ok(out)
}

/// Serialises a value as JSON that is safe inside `<script type="application/ld+json">`:
/// `<`, `>` and `&` are written as `\u003c`, `\u003e` and `\u0026`.
fn json_encode(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let json = serde_json::to_string(value).map_err(|e| tera::Error::message(e.to_string()))?;
    let safe = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Ok(Value::safe_string(&safe))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(tpl: &str, ctx: &tera::Context) -> String {
        let mut t = tera::Tera::new();
        let locales = Locales {
            default_language: "en".into(),
            date_formats: [("en-gb".to_string(), "%d/%m/%Y".to_string())]
                .into_iter()
                .collect(),
        };
        register(&mut t, Arc::new(locales));
        t.add_raw_template("t.html", tpl).unwrap();
        t.render("t.html", ctx).unwrap()
    }

    #[test]
    fn filters_work() {
        let mut ctx = tera::Context::new();
        ctx.insert("d", "2008-06-26");
        ctx.insert("md", "*hi* <b>x</b>");
        ctx.insert("obj", &serde_json::json!({"a": "</script><x>"}));
        assert_eq!(render("{{ d | date }}", &ctx), "26 June 2008");
        assert_eq!(render("{{ d | date(format='%Y') }}", &ctx), "2008");
        assert_eq!(
            render("{{ md | markdown(inline=true) }}", &ctx),
            "<em>hi</em> &lt;b&gt;x&lt;/b&gt;"
        );
        assert_eq!(
            render("{{ 'Legal Measures' | slugify }}", &ctx),
            "legal-measures"
        );
        assert_eq!(render("{{ d | date(lang='fr') }}", &ctx), "26 juin 2008");
        assert_eq!(
            render("{{ d | date(lang='es') }}", &ctx),
            "26 de junio de 2008"
        );
        assert_eq!(render("{{ d | date(lang='ru') }}", &ctx), "26 июня 2008 г.");
        assert_eq!(render("{{ d | date(lang='zh') }}", &ctx), "2008年6月26日");
        assert_eq!(render("{{ d | date(lang='ar') }}", &ctx), "26 يونيو 2008");
        assert_eq!(render("{{ d | date(lang='en-gb') }}", &ctx), "26/06/2008");
        let mut fr = tera::Context::new();
        fr.insert("lang", "fr");
        fr.insert("d", "2007-10-01");
        assert_eq!(
            render("{{ d | date }}", &fr),
            "1 octobre 2007",
            "from the template's lang"
        );
        assert_eq!(
            render("{{ 1234567 | number(lang='en') }}", &ctx),
            "1,234,567"
        );
        assert_eq!(
            render("{{ 1234567 | number(lang='fr') }}", &ctx),
            "1\u{202F}234\u{202F}567"
        );
        assert_eq!(render("{{ 1234 | number(lang='fr') }}", &ctx), "1234");
        assert_eq!(render("{{ 103 | number(lang='ar') }}", &ctx), "103");
        let json = render("{{ obj | json_encode }}", &ctx);
        assert!(!json.contains("</script>"), "{json}");
        assert!(json.contains("\\u003c/script\\u003e"));
    }
}
