namespace Codex.Auth.ChatGpt;

/// <summary>What a request does with the token in hand (<see cref="RefreshPolicy.Decide"/>).</summary>
internal enum RefreshDecision
{
    /// <summary>Before the refresh point: serve it.</summary>
    Serve,

    /// <summary>Inside the refresh window (past the refresh point, before expiry): serve it and refresh in the background.</summary>
    ServeAndRefreshInBackground,

    /// <summary>Expired (or past the refresh point of a token without <c>exp</c>): wait for one shared refresh.</summary>
    RefreshAndWait,

    /// <summary>A permanent failure is remembered for this credential: throw it, without I/O, until the store changes.</summary>
    Fail,
}
