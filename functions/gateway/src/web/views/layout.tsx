import type { Child, FC } from "hono/jsx";
import { assets } from "../assets";
import type { Flash, SessionUser } from "../session/session";

export type Area = "shop" | "admin";

/** What every page shows around its content: who is signed in, the cart, the message left for it. */
export interface Chrome {
  title: string;
  area: Area;
  /** The request's path, to mark the current link. */
  path: string;
  user: SessionUser | undefined;
  cartCount: number;
  csrf: string;
  flash: Flash | undefined;
}

const isStaff = (user: SessionUser | undefined): boolean => user?.role === "staff" || user?.role === "admin";

const NavLink: FC<{ href: string; path: string; children: Child }> = ({ href, path, children }) => {
  const current = href === "/shop" || href === "/admin" ? path === href : path.startsWith(href);
  return (
    <li>
      <a href={href} aria-current={current ? "page" : undefined}>
        {children}
      </a>
    </li>
  );
};

/** The hidden field every form carries: the session's CSRF token. */
export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

const ShopNav: FC<{ chrome: Chrome }> = ({ chrome }) => (
  <nav aria-label="Shop">
    <ul>
      <NavLink href="/shop" path={chrome.path}>
        Catalog
      </NavLink>
      <NavLink href="/shop/cart" path={chrome.path}>
        Cart ({chrome.cartCount})
      </NavLink>
      {chrome.user && (
        <>
          <NavLink href="/shop/orders" path={chrome.path}>
            My orders
          </NavLink>
          <NavLink href="/shop/notifications" path={chrome.path}>
            Notifications
          </NavLink>
          <NavLink href="/shop/track" path={chrome.path}>
            Track
          </NavLink>
        </>
      )}
      {isStaff(chrome.user) && (
        <NavLink href="/admin" path={chrome.path}>
          Back office
        </NavLink>
      )}
    </ul>
  </nav>
);

const AdminNav: FC<{ chrome: Chrome }> = ({ chrome }) => (
  <nav aria-label="Back office">
    <ul>
      <NavLink href="/admin" path={chrome.path}>
        Overview
      </NavLink>
      <NavLink href="/admin/products" path={chrome.path}>
        Products
      </NavLink>
      <NavLink href="/admin/orders" path={chrome.path}>
        Orders
      </NavLink>
      {chrome.user?.role === "admin" && (
        <NavLink href="/admin/payments" path={chrome.path}>
          Payments
        </NavLink>
      )}
      <NavLink href="/admin/dead-letters" path={chrome.path}>
        Dead letters
      </NavLink>
      <NavLink href="/admin/customers" path={chrome.path}>
        Customers
      </NavLink>
      <NavLink href="/shop" path={chrome.path}>
        Storefront
      </NavLink>
    </ul>
  </nav>
);

const Account: FC<{ chrome: Chrome }> = ({ chrome }) =>
  chrome.user ? (
    <div class="account">
      <span>
        Signed in as{" "}
        <a href="/shop/account" aria-label={`Your account: ${chrome.user.name}`}>
          <strong>{chrome.user.name}</strong>
        </a>{" "}
        ({chrome.user.role})
      </span>
      <form method="post" action="/shop/signout">
        <Csrf token={chrome.csrf} />
        <button type="submit">Sign out</button>
      </form>
    </div>
  ) : (
    <div class="account">
      <a href={`/shop/signin?next=${encodeURIComponent(chrome.path)}`}>Sign in</a>
      <a href="/shop/register">Register</a>
    </div>
  );

/** The whole document: landmarks, a skip link, one h1, the stylesheet and the script as files. */
export const Layout: FC<{ chrome: Chrome; children?: Child }> = ({ chrome, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${chrome.title} · Bazaar${chrome.area === "admin" ? " back office" : ""}`}</title>
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href={assets.css.path} />
      <script src={assets.js.path} defer></script>
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={chrome.area === "admin" ? "/admin" : "/shop"}>
          Bazaar{chrome.area === "admin" && <small>back office</small>}
        </a>
        {chrome.area === "admin" ? <AdminNav chrome={chrome} /> : <ShopNav chrome={chrome} />}
        <Account chrome={chrome} />
      </header>
      <main id="main" tabindex={-1}>
        {chrome.flash && (
          <p class={`flash ${chrome.flash.kind}`} role={chrome.flash.kind === "error" ? "alert" : "status"}>
            {chrome.flash.text}
          </p>
        )}
        <h1>{chrome.title}</h1>
        {children}
      </main>
      <footer>
        <p>
          Bazaar — a demo shop. Test cards: <code>tok_visa</code> pays, <code>tok_chargeDeclined</code> is
          declined. The API: <a href="/docs">/docs</a>.
        </p>
      </footer>
    </body>
  </html>
);
