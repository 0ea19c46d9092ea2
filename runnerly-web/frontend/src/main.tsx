import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { SessionProvider } from "./components/SessionProvider";
import { SharedRoot } from "./SharedRoot";
import { sharedToken } from "./lib/sharedPath";
import "./styles.css";
import { preloadFirstScreen } from "./lib/preload";

const shared = sharedToken(window.location.pathname);
if (shared === null) preloadFirstScreen(window.location.pathname);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {shared !== null ? (
      <SharedRoot token={shared} />
    ) : (
      <SessionProvider>
        <App />
      </SessionProvider>
    )}
  </StrictMode>,
);
