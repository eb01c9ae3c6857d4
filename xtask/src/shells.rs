//! Pages that paint before their wasm: for each template `shell/<route>.html` and each
//! catalogue `locales/<lang>.txt`, a copy of the built `index.html` at
//! `dist/shell/<route>.<lang>.html` (the server sends `/<route>` as the one in the
//! visitor's language, see the server's `routes::shell_page`).
//!
//! Each copy differs from `index.html` in three ways:
//! - its body holds the template, its `{{key}}`s replaced by the catalogue's texts, and
//!   its title is the app's for that screen (`lib.document_title` with the `<h1>`);
//! - it does not preload the JS and the wasm: the loader fetches them after the first
//!   paint. Lighthouse's simulation counts every request started before the largest
//!   paint as holding it up, so with the wasm preloaded the shell paints no sooner
//!   (measured at stop 29: LCP 1.66 s with a shell alone, 0.90 s with the wasm after it);
//! - `<html lang>` is the page's language.

use std::fs;
use std::path::Path;

use crate::workspace::Workspace;

#[allow(dead_code)] // `keys_hash` is the portal's build's
mod catalogue {
    include!("../../locales/parse.rs");
}

/// The folder of templates in the repository and of pages in the build.
pub const SHELL_DIR: &str = "shell";

/// Writes every template's page in every language into `dist/shell/`.
pub fn write(workspace: &Workspace, dist: &Path) -> Result<(), String> {
    let read =
        |path: &Path| fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let index = read(&dist.join(crate::sizes::INDEX_PAGE))?;
    let mut catalogues = Vec::new();
    for path in files_with_extension(&workspace.path("locales"), "txt")? {
        let tag = stem(&path);
        catalogues.push((tag, read(&path)?));
    }
    let out = dist.join(SHELL_DIR);
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for template_path in files_with_extension(&workspace.path(SHELL_DIR), "html")? {
        let route = stem(&template_path);
        let template = read(&template_path)?;
        for (lang, source) in &catalogues {
            let texts = catalogue::parse_catalogue(source);
            let html = page(&index, &template, lang, &texts)
                .map_err(|e| format!("{} in {lang}: {e}", template_path.display()))?;
            let to = out.join(format!("{route}.{lang}.html"));
            fs::write(&to, html).map_err(|e| format!("{}: {e}", to.display()))?;
        }
    }
    Ok(())
}

fn files_with_extension(dir: &Path, extension: &str) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == extension) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The page for `lang` from the built `index` and a `template`.
pub fn page(
    index: &str,
    template: &str,
    lang: &str,
    texts: &[(&str, &str)],
) -> Result<String, String> {
    let text = |key: &str| {
        texts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, text)| *text)
            .ok_or_else(|| format!("no text {key:?} in the catalogue"))
    };
    // The template's own comment (up to its first `-->`) is for its readers only.
    let markup = match template.trim_start().strip_prefix("<!--") {
        Some(rest) => rest.split_once("-->").ok_or("a comment without its end")?.1,
        None => template,
    }
    .trim();
    let mut body = String::new();
    let mut rest = markup;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").ok_or("a `{{` without its `}}`")? + start;
        body.push_str(&rest[..start]);
        body.push_str(&escape(text(rest[start + 2..end].trim())?));
        rest = &rest[end + 2..];
    }
    body.push_str(rest);
    // The switcher shows the page's language, as the app's does.
    let option = format!("<option value=\"{lang}\"");
    if body.matches(&option).count() != 1 {
        return Err(format!(
            "the template lists language {lang:?} {} times, not once",
            body.matches(&option).count()
        ));
    }
    let body = body.replace(&option, &format!("{option} selected"));
    let heading = between(&body, "<h1", "</h1>")
        .and_then(|h1| h1.split_once('>'))
        .map(|(_, inside)| inside)
        .ok_or("the template has no <h1>")?;
    let title = escape(&text("lib.document_title")?.replace("{title}", &unescape(heading)));

    let html_tag = "<html lang=en>";
    if index.matches(html_tag).count() != 1 {
        return Err(format!(
            "index.html has no {html_tag} (trunk writes its pages differently?)"
        ));
    }
    let mut page = index.replace(html_tag, &format!("<html lang={lang}>"));
    let old_title = between(&page, "<title>", "</title>").ok_or("index.html has no <title>")?;
    page = page.replacen(
        &format!("<title>{old_title}</title>"),
        &format!("<title>{title}</title>"),
        1,
    );

    let loader = between(&page, "<script type=module>", "</script>")
        .ok_or("index.html has no <script type=module> (its wasm loader)")?
        .to_string();
    let js = between(&loader, "from '", "'").ok_or("the loader imports no script")?;
    let wasm = between(&loader, "module_or_path: '", "'").ok_or("the loader names no wasm")?;
    // The fetches start once the first paint is on screen: the browser reports it to a
    // `paint` observer. (`requestAnimationFrame` then a timeout came before the paint in one
    // Lighthouse run of five; it stays, half a second later, for a browser that reports no
    // paint.) A page opened in a background tab paints nothing until shown, so it starts
    // at once. The rest is trunk's
    // loader, with the JS imported there rather than up front, and the wasm fetched beside
    // it rather than after it (its init takes the response's promise). Should either
    // fail, the shell says so (`#shell-failed`) rather than wait for ever.
    let deferred = format!(
        "let s=0;const go=async()=>{{if(s++)return;try{{const w=fetch('{wasm}'),b=await import('{js}');\
         const wasm=await b.default({{module_or_path:w}});window.wasmBindings=b;\
         dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\",{{detail:{{wasm}}}}))}}\
         catch(e){{const f=document.getElementById('shell-failed');if(f)f.hidden=false;throw e}}}};\
         if(document.visibilityState=='hidden')go();\
         else{{try{{new PerformanceObserver(go).observe({{type:'paint',buffered:!0}})}}catch(e){{}}\
         requestAnimationFrame(()=>setTimeout(go,500))}}"
    );
    page = page.replacen(&loader, &deferred, 1);
    for file in [js, wasm] {
        page = remove_link_to(&page, file)?;
    }
    if page.matches("<body></body>").count() != 1 {
        return Err("index.html's body is not empty".into());
    }
    Ok(page.replacen("<body></body>", &format!("<body>{body}</body>"), 1))
}

/// `html` without its `<link …>` to `file` (a preload): an error when there is none, since
/// the page would then preload what its shell must not wait for.
fn remove_link_to(html: &str, file: &str) -> Result<String, String> {
    let mut from = 0;
    while let Some(start) = html[from..].find("<link").map(|at| at + from) {
        let end = html[start..].find('>').ok_or("a <link without its >")? + start + 1;
        let tag = &html[start..end];
        if tag.contains(&format!("href={file} ")) || tag.contains(&format!("href=\"{file}\"")) {
            return Ok(format!("{}{}", &html[..start], &html[end..]));
        }
        from = end;
    }
    Err(format!("index.html does not preload {file}"))
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dist/index.html` as trunk writes it in a release build (minified).
    const INDEX: &str = "<!doctype html><html lang=en><meta charset=utf-8><title>Enrollment Portal</title>\
        <link href=/portal-1.css rel=stylesheet><link as=fetch crossorigin href=/api/v1/config rel=preload>\
        <script type=module>import init, * as bindings from '/portal-6e.js';\n\
        const wasm = await init({ module_or_path: '/portal-6e_bg.wasm' });\n\n\
        window.wasmBindings = bindings;\n\
        dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));</script>\
        <link crossorigin href=/portal-6e.js integrity=sha384-a rel=modulepreload>\
        <link as=fetch crossorigin href=/portal-6e_bg.wasm integrity=sha384-b rel=preload type=application/wasm>\
        </head><body></body></html>";

    const TEMPLATE: &str = "<!-- for readers {{not.a.key}} -->\n<div id=\"shell\"><select>\
        <option value=\"en\">English</option><option value=\"fr\">Français</option></select>\
        <h1 tabindex=\"-1\">{{a.title}}</h1><p>{{a.text}}</p></div>\n";

    const FR: &[(&str, &str)] = &[
        ("a.title", "S'identifier"),
        ("a.text", "Votre compte <client> & \"vous\""),
        ("lib.document_title", "{title} · Portail"),
    ];

    #[test]
    fn the_shell_is_in_the_body_in_its_language_with_its_title() {
        let page = page(INDEX, TEMPLATE, "fr", FR).unwrap();
        assert!(page.starts_with("<!doctype html><html lang=fr>"), "{page}");
        assert!(
            page.contains("<title>S'identifier · Portail</title>"),
            "{page}"
        );
        assert!(
            page.ends_with(
                "<body><div id=\"shell\"><select><option value=\"en\">English</option>\
             <option value=\"fr\" selected>Français</option></select>\
             <h1 tabindex=\"-1\">S'identifier</h1>\
             <p>Votre compte &lt;client&gt; &amp; &quot;vous&quot;</p></div></body></html>"
            ),
            "{page}"
        );
        assert!(!page.contains("for readers"));
        // The stylesheet and the config are still fetched up front.
        assert!(page.contains("<link href=/portal-1.css rel=stylesheet>"));
        assert!(page.contains("href=/api/v1/config rel=preload>"));
    }

    #[test]
    fn the_wasm_and_its_js_are_fetched_after_the_first_paint_not_preloaded() {
        let page = page(INDEX, TEMPLATE, "fr", FR).unwrap();
        assert!(!page.contains("rel=modulepreload"), "{page}");
        assert!(!page.contains("type=application/wasm"), "{page}");
        let loader = between(&page, "<script type=module>", "</script>").unwrap();
        // After the first paint (or at once in a background tab), and once only: a paint
        // observer is called for each paint entry.
        assert!(
            loader.starts_with("let s=0;const go=async()=>{if(s++)return;"),
            "{loader}"
        );
        assert!(
            loader.contains("if(document.visibilityState=='hidden')go();"),
            "{loader}"
        );
        assert!(
            loader.contains("new PerformanceObserver(go).observe({type:'paint',buffered:!0})"),
            "{loader}"
        );
        assert!(
            loader.contains("requestAnimationFrame(()=>setTimeout(go,500))"),
            "{loader}"
        );
        // Both fetched together: the wasm does not wait for the JS.
        assert!(
            loader.contains("const w=fetch('/portal-6e_bg.wasm'),b=await import('/portal-6e.js');"),
            "{loader}"
        );
        assert!(loader.contains("b.default({module_or_path:w})"), "{loader}");
        assert!(loader.contains("TrunkApplicationStarted"), "{loader}");
        assert!(loader.contains("catch(e){const f=document.getElementById('shell-failed');if(f)f.hidden=false;throw e}"), "{loader}");
        assert!(!loader.contains("import init"), "{loader}");
    }

    #[test]
    fn a_missing_text_or_language_or_a_changed_index_is_an_error() {
        let missing = page(INDEX, TEMPLATE, "fr", &FR[1..]).unwrap_err();
        assert!(missing.contains("\"a.title\""), "{missing}");
        let unlisted = page(INDEX, TEMPLATE, "de", FR).unwrap_err();
        assert!(unlisted.contains("\"de\""), "{unlisted}");
        let no_preload = INDEX
            .replace("rel=modulepreload", "rel=stylesheet")
            .replace(" href=/portal-6e.js", "");
        assert!(page(&no_preload, TEMPLATE, "fr", FR)
            .unwrap_err()
            .contains("/portal-6e.js"));
        let filled = INDEX.replace("<body></body>", "<body><p>x</p></body>");
        assert!(page(&filled, TEMPLATE, "fr", FR).is_err());
    }

    /// The real template and catalogues: every language's page can be built, and the
    /// template's switcher lists exactly the languages there are catalogues of.
    #[test]
    fn every_catalogue_fills_the_sign_in_template() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let template = fs::read_to_string(root.join("shell/sign-in.html")).unwrap();
        let catalogues = files_with_extension(&root.join("locales"), "txt").unwrap();
        assert_eq!(catalogues.len(), 8);
        assert_eq!(template.matches("<option ").count(), catalogues.len());
        for path in catalogues {
            let source = fs::read_to_string(&path).unwrap();
            let lang = stem(&path);
            let page = page(
                INDEX,
                &template,
                &lang,
                &catalogue::parse_catalogue(&source),
            )
            .unwrap();
            assert!(
                page.contains(&format!(
                    "<option value=\"{lang}\" selected lang=\"{lang}\">"
                )),
                "{lang}"
            );
        }
    }
}
