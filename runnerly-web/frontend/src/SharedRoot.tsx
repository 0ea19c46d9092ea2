// A share link's public page (/s/<token>) is not the app: no session is asked for, so none
// is made and no cookie is set for someone who was only sent a link (decision 65). Its page
// is a chunk of its own, loaded only there.
import { lazy, Suspense } from "react";

const SharedRunPage = lazy(() => import("./pages/SharedRun").then((m) => ({ default: m.SharedRunPage })));

export function SharedRoot({ token }: { token: string }) {
  return (
    <Suspense fallback={null}>
      <SharedRunPage token={token} />
    </Suspense>
  );
}
