// @ts-check
// Which conversations the user has on screen. The home view writes it as
// conversations open and close and tabs change; notifications read it
// (nothing for a conversation being looked at) and so does room cycling
// (an open conversation's room stays joined). Owned by the session, so
// neither reader needs the view itself.

export function createOnScreen() {
  /** @type {string[]} conversations open, most recent last */
  let open = [];
  let chatsShown = false;
  return {
    /** The home view: these conversations are open; the chats tab is (not) the one shown. */
    set(/** @type {{ open: string[], chatsShown: boolean }} */ now) {
      open = [...now.open];
      chatsShown = now.chatsShown;
    },
    openIds: () => [...open],
    /** Being looked at: open, its tab shown, the page not hidden. */
    isVisible: (/** @type {string} */ conversationId) => !document.hidden && chatsShown && open.includes(conversationId),
  };
}

/** @typedef {ReturnType<typeof createOnScreen>} OnScreen */
