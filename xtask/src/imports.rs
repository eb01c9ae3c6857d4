//! Shorter import names in a release page's wasm and its JS loader.
//!
//! wasm-bindgen names each import after what it calls plus a 16-hex-digit hash
//! (`__wbg_getItem_6b7f31da6ae29da1`), so that two imports of one name never clash. A hash
//! is noise to gzip: 150 of them, written once in the wasm's import section and once in the
//! loader's import object, cost ~4 KB of every first visit (measured: 2.2 KB of the wasm,
//! 1.8 KB of the loader). Without the hash the names stay readable in a stack trace; the
//! rare clash gets a counter (`__wbg_new`, `__wbg_new_1`). Nothing else in either file
//! changes: the wasm is rewritten section by section, only the import section anew.

/// `(wasm, js)` with every hashed import name of `wasm` shortened, in both files alike.
/// An error when the files do not match (a hashed name the loader never writes), or when
/// the wasm cannot be read.
pub fn shorten(wasm: &[u8], js: &str) -> Result<(Vec<u8>, String), String> {
    const HEADER: [u8; 8] = [0, b'a', b's', b'm', 1, 0, 0, 0];
    if wasm.get(..8) != Some(&HEADER[..]) {
        return Err("not a wasm module (version 1)".into());
    }
    let mut out = HEADER.to_vec();
    let mut js = js.to_string();
    let mut at = 8;
    while at < wasm.len() {
        let section_start = at;
        let id = wasm[at];
        let (length, body_at) = read_leb(wasm, at + 1)?;
        let body = wasm
            .get(body_at..body_at + length)
            .ok_or("a section runs past the end of the module")?;
        at = body_at + length;
        if id != IMPORT_SECTION {
            out.extend_from_slice(&wasm[section_start..at]);
            continue;
        }
        let imports = read_imports(body)?;
        let renames = short_names(imports.iter().map(|i| i.name.as_str()));
        let mut section = Vec::new();
        write_leb(&mut section, imports.len());
        for import in &imports {
            let name = match renames.iter().find(|(old, _)| *old == import.name) {
                Some((old, new)) => {
                    js = replace_identifier(&js, old, new)?;
                    new.as_str()
                }
                None => import.name.as_str(),
            };
            write_leb(&mut section, import.module.len());
            section.extend_from_slice(&import.module);
            write_leb(&mut section, name.len());
            section.extend_from_slice(name.as_bytes());
            section.extend_from_slice(&import.descriptor);
        }
        out.push(id);
        write_leb(&mut out, section.len());
        out.extend_from_slice(&section);
    }
    Ok((out, js))
}

const IMPORT_SECTION: u8 = 2;

struct Import {
    module: Vec<u8>,
    name: String,
    /// What is imported (function, table, memory, global, tag), as it is.
    descriptor: Vec<u8>,
}

fn read_imports(body: &[u8]) -> Result<Vec<Import>, String> {
    let (count, mut at) = read_leb(body, 0)?;
    let mut imports = Vec::with_capacity(count);
    for _ in 0..count {
        let (module, next) = read_bytes(body, at)?;
        let (name, next) = read_bytes(body, next)?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| "an import name is not UTF-8")?;
        let start = next;
        let kind = *body.get(next).ok_or("an import ends early")?;
        let mut next = next + 1;
        match kind {
            // Function: its type index.
            0 => next = read_leb(body, next)?.1,
            // Table: element type, then limits.
            1 => next = skip_limits(body, next + 1)?,
            // Memory: limits.
            2 => next = skip_limits(body, next)?,
            // Global: value type and mutability.
            3 => next += 2,
            // Tag: attribute and type index.
            4 => next = read_leb(body, next + 1)?.1,
            other => return Err(format!("import {name}: unknown kind {other}")),
        }
        let descriptor = body
            .get(start..next)
            .ok_or("an import ends early")?
            .to_vec();
        imports.push(Import {
            module: module.to_vec(),
            name,
            descriptor,
        });
        at = next;
    }
    if at != body.len() {
        return Err("the import section has bytes after its imports".into());
    }
    Ok(imports)
}

/// Limits: a flags byte (bit 0: a maximum follows; bit 2: 64-bit), the minimum, the maximum.
fn skip_limits(body: &[u8], at: usize) -> Result<usize, String> {
    let flags = *body.get(at).ok_or("limits end early")?;
    let (_, mut next) = read_leb(body, at + 1)?;
    if flags & 1 == 1 {
        next = read_leb(body, next)?.1;
    }
    Ok(next)
}

/// `(old, new)` for each name that ends in wasm-bindgen's hash: the name without it, with
/// a counter when that is taken (by a name kept as it is, or an earlier short one).
fn short_names<'a>(names: impl Iterator<Item = &'a str> + Clone) -> Vec<(String, String)> {
    let mut taken: Vec<String> = names
        .clone()
        .filter(|name| unhashed(name).is_none())
        .map(str::to_string)
        .collect();
    let mut renames = Vec::new();
    for name in names {
        let Some(base) = unhashed(name) else {
            continue;
        };
        let mut short = base.to_string();
        let mut n = 0;
        while taken.contains(&short) {
            n += 1;
            short = format!("{base}_{n}");
        }
        taken.push(short.clone());
        renames.push((name.to_string(), short));
    }
    renames
}

/// `__wbg_getItem` of `__wbg_getItem_6b7f31da6ae29da1`; `None` for a name without the hash.
fn unhashed(name: &str) -> Option<&str> {
    let (base, hash) = name.rsplit_once('_')?;
    let is_hash = hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (is_hash && !base.is_empty()).then_some(base)
}

/// `js` with every occurrence of the identifier `old` (not as part of a longer one)
/// replaced by `new`; an error when there is none.
fn replace_identifier(js: &str, old: &str, new: &str) -> Result<String, String> {
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(js.len());
    let mut copied = 0;
    let mut found = false;
    for (at, _) in js.match_indices(old) {
        let before = js[..at].chars().next_back();
        let after = js[at + old.len()..].chars().next();
        if before.is_some_and(is_identifier) || after.is_some_and(is_identifier) {
            continue;
        }
        out.push_str(&js[copied..at]);
        out.push_str(new);
        copied = at + old.len();
        found = true;
    }
    out.push_str(&js[copied..]);
    if found {
        Ok(out)
    } else {
        Err(format!("the loader never names the import {old}"))
    }
}

fn read_leb(bytes: &[u8], mut at: usize) -> Result<(usize, usize), String> {
    let mut value = 0usize;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(at).ok_or("a number runs past the end")?;
        at += 1;
        if shift > 28 {
            return Err("a number is too long".into());
        }
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, at));
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_bytes(bytes: &[u8], at: usize) -> Result<(&[u8], usize), String> {
    let (length, start) = read_leb(bytes, at)?;
    let slice = bytes
        .get(start..start + length)
        .ok_or("a name runs past the end")?;
    Ok((slice, start + length))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module: a type section, the imports `(module, name, kind)`, and a custom section.
    fn module(imports: &[(&str, &str, &[u8])]) -> Vec<u8> {
        let mut wasm = vec![0, b'a', b's', b'm', 1, 0, 0, 0];
        // One type, () -> ().
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        let mut section = Vec::new();
        write_leb(&mut section, imports.len());
        for (module, name, descriptor) in imports {
            write_leb(&mut section, module.len());
            section.extend_from_slice(module.as_bytes());
            write_leb(&mut section, name.len());
            section.extend_from_slice(name.as_bytes());
            section.extend_from_slice(descriptor);
        }
        wasm.push(IMPORT_SECTION);
        write_leb(&mut wasm, section.len());
        wasm.extend_from_slice(&section);
        wasm.extend_from_slice(&[0, 5, 4, b'n', b'o', b't', b'e']);
        wasm
    }

    const FUNCTION: &[u8] = &[0, 0];
    const MEMORY: &[u8] = &[2, 1, 17, 200, 1];

    #[test]
    fn hashes_go_from_both_files_alike_and_a_clash_gets_a_counter() {
        let wasm = module(&[
            ("./portal_bg.js", "__wbg_new_0123456789abcdef", FUNCTION),
            ("./portal_bg.js", "__wbg_new_fedcba9876543210", FUNCTION),
            ("./portal_bg.js", "__wbg_getItem_6b7f31da6ae29da1", FUNCTION),
            (
                "./portal_bg.js",
                "__wbindgen_init_externref_table",
                FUNCTION,
            ),
            ("env", "memory", MEMORY),
        ]);
        let js = "{__wbg_new_0123456789abcdef:function(){return{}},\
                  __wbg_new_fedcba9876543210:function(){return[]},\
                  __wbg_getItem_6b7f31da6ae29da1:function(a){return s.getItem(a)},\
                  __wbindgen_init_externref_table:function(){}}";
        let (short_wasm, short_js) = shorten(&wasm, js).unwrap();
        assert_eq!(
            short_js,
            "{__wbg_new:function(){return{}},__wbg_new_1:function(){return[]},\
             __wbg_getItem:function(a){return s.getItem(a)},\
             __wbindgen_init_externref_table:function(){}}"
        );
        let expected = module(&[
            ("./portal_bg.js", "__wbg_new", FUNCTION),
            ("./portal_bg.js", "__wbg_new_1", FUNCTION),
            ("./portal_bg.js", "__wbg_getItem", FUNCTION),
            (
                "./portal_bg.js",
                "__wbindgen_init_externref_table",
                FUNCTION,
            ),
            ("env", "memory", MEMORY),
        ]);
        assert_eq!(short_wasm, expected);
        // Once short, nothing more to do.
        assert_eq!(
            shorten(&short_wasm, &short_js).unwrap(),
            (short_wasm, short_js)
        );
    }

    #[test]
    fn a_short_name_never_takes_one_the_module_already_has() {
        let names = ["__wbg_new", "__wbg_new_0123456789abcdef", "__wbg_new_1"];
        assert_eq!(
            short_names(names.into_iter()),
            [(
                "__wbg_new_0123456789abcdef".to_string(),
                "__wbg_new_2".to_string()
            )]
        );
    }

    #[test]
    fn files_that_do_not_belong_together_are_refused() {
        let wasm = module(&[("m", "__wbg_log_0123456789abcdef", FUNCTION)]);
        let error = shorten(&wasm, "{__wbg_warn_0123456789abcdef:function(){}}").unwrap_err();
        assert!(error.contains("__wbg_log_0123456789abcdef"), "{error}");
        // Part of a longer identifier is not the import.
        assert!(shorten(&wasm, "{x__wbg_log_0123456789abcdef:1}").is_err());
        assert!(shorten(b"\0asm\x02\0\0\0", "").is_err());
        let mut cut = wasm.clone();
        cut.truncate(wasm.len() - 3);
        assert!(shorten(&cut, "").is_err());
    }

    #[test]
    fn names_without_the_hash_are_kept() {
        for name in [
            "__wbindgen_init_externref_table",
            "__wbg_x_0123456789ABCDEF",
            "__wbg_x_0123456789abcde",
            "_0123456789abcdef",
        ] {
            assert_eq!(unhashed(name), None, "{name}");
        }
        assert_eq!(unhashed("__wbg_x_0123456789abcdef"), Some("__wbg_x"));
    }
}
