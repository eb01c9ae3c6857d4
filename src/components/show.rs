use leptos::prelude::*;

/// `children` while `when` holds, `fallback` otherwise; a drop-in for
/// Leptos's `<Show>`, which is generic over its children's view type and cost
/// ~1.5 KB of wasm per use. Here the children are type-erased (`ChildrenFn`)
/// and the switching closure exists once.
#[component]
pub fn Show<W>(
    children: ChildrenFn,
    when: W,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView
where
    W: Fn() -> bool + Send + Sync + 'static,
{
    switch(Memo::new(move |_| when()), children, fallback)
}

// Not generic, so every `<Show>` shares it.
fn switch(when: Memo<bool>, children: ChildrenFn, fallback: ViewFn) -> impl IntoView {
    move || {
        if when.get() {
            children()
        } else {
            fallback.run()
        }
    }
}
