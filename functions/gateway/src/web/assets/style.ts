/** The one stylesheet: system fonts, no framework, readable from a phone's width up. */
export const stylesheet = `
:root {
  --ink: #1d232b; --muted: #5b6672; --line: #d8dde3; --paper: #ffffff; --wash: #f4f6f8;
  --brand: #0b5cad; --brand-ink: #ffffff; --ok: #176b35; --ok-wash: #e5f4ea; --bad: #a4161a; --bad-wash: #fbe9ea;
  --warn: #7a5300; --warn-wash: #fff4d6; --radius: 8px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif;
  color: var(--ink); background: var(--wash); line-height: 1.5;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; min-width: 0; }
a { color: var(--brand); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, main:focus-visible {
  outline: 3px solid #f0a500; outline-offset: 2px;
}
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.top { background: var(--ink); color: #fff; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1rem; }
.top a { color: #fff; }
.brand { font-weight: 700; font-size: 1.25rem; text-decoration: none; }
.brand small { font-weight: 400; font-size: .8rem; opacity: .8; margin-left: .35rem; }
.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
.top nav a { text-decoration: none; padding: .25rem 0; border-bottom: 2px solid transparent; }
.top nav a[aria-current="page"] { border-bottom-color: #fff; }
.account { margin-left: auto; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; font-size: .95rem; }
.account form { margin: 0; }
.account button { background: transparent; color: #fff; border: 1px solid #fff8; padding: .2rem .7rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
footer { max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
.flash { padding: .6rem .9rem; border-radius: var(--radius); border: 1px solid; margin: 0 0 1rem; }
.flash.ok { background: var(--ok-wash); border-color: var(--ok); color: var(--ok); }
.flash.error { background: var(--bad-wash); border-color: var(--bad); color: var(--bad); }
.panel { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem; margin: 0 0 1rem; }
.panel > h2:first-child { margin-top: 0; }
.panel dl + form, .panel p + form { margin-top: .75rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 1rem; padding: 0; list-style: none; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem; display: flex; flex-direction: column; gap: .4rem; }
.card h2 { margin: 0; font-size: 1.1rem; }
.card p { margin: 0; }
.price { font-size: 1.2rem; font-weight: 700; }
.stock { font-size: .9rem; color: var(--ok); }
.stock.out { color: var(--bad); }
.muted { color: var(--muted); }
form.inline { display: flex; flex-wrap: wrap; align-items: end; gap: .5rem; margin: 0; }
.field { display: flex; flex-direction: column; gap: .2rem; margin: 0 0 .8rem; }
.inline .field { margin: 0; }
label { font-weight: 600; font-size: .9rem; }
input, select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #8a949e; border-radius: 6px; background: #fff; color: inherit; max-width: 100%; }
input[type="number"] { width: 5.5rem; }
form.panel select, form.panel textarea { width: 100%; max-width: 36rem; }
button, .button { font: inherit; cursor: pointer; background: var(--brand); color: var(--brand-ink); border: 0; border-radius: 6px; padding: .45rem 1rem; text-decoration: none; display: inline-block; }
button.secondary { background: var(--paper); color: var(--brand); border: 1px solid var(--brand); }
button.danger { background: var(--bad); }
button[aria-disabled="true"] { opacity: .6; cursor: progress; }
.table-wrap { overflow-x: auto; background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; padding: .6rem .8rem; font-weight: 600; }
th, td { text-align: left; padding: .5rem .8rem; border-top: 1px solid var(--line); vertical-align: top; }
th { background: var(--wash); font-size: .9rem; }
td time { white-space: nowrap; }
td .muted { font-size: .85rem; }
.table-wrap .field input:not([type="number"]) { width: 10rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 999px; font-size: .85rem; font-weight: 600; background: var(--wash); border: 1px solid var(--line); white-space: nowrap; }
.badge.good { background: var(--ok-wash); color: var(--ok); border-color: var(--ok); }
.badge.bad { background: var(--bad-wash); color: var(--bad); border-color: var(--bad); }
.badge.wait { background: var(--warn-wash); color: var(--warn); border-color: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; }
dl.facts > div { display: contents; }
dl.facts > div[hidden] { display: none; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
ol.timeline li { padding: .2rem 0 .6rem 1rem; position: relative; }
ol.timeline li::before { content: ""; position: absolute; left: -.5rem; top: .55rem; width: .7rem; height: .7rem; border-radius: 50%; background: var(--brand); }
ol.timeline time { color: var(--muted); font-size: .85rem; display: block; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.pager { display: flex; gap: 1rem; align-items: center; }
@media (max-width: 40rem) {
  h1 { font-size: 1.35rem; }
  .account { margin-left: 0; width: 100%; }
  th, td { padding: .4rem .5rem; }
}
`;
