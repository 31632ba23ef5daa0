namespace Codex.Auth.ChatGpt;

/// <summary>What the store holds compared with refreshed tokens that could not be saved (<see cref="PendingSave"/>).</summary>
internal enum StoreVersusPending
{
    /// <summary>The store still holds the spent tokens: the unsaved ones stay in force.</summary>
    StillSpent,

    /// <summary>The store holds the unsaved tokens: the save landed.</summary>
    Saved,

    /// <summary>The store holds something written later (a new sign-in, a sign-out): it wins.</summary>
    Superseded,
}
