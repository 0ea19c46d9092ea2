import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { SessionProvider } from "./components/SessionProvider";
import "./styles.css";
import { preloadFirstScreen } from "./lib/preload";

preloadFirstScreen(window.location.pathname);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <SessionProvider>
      <App />
    </SessionProvider>
  </StrictMode>,
);
