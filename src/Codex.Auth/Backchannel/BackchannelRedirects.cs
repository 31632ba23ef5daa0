namespace Codex.Auth.Backchannel;

/// <summary>Switches automatic redirects off on the primary handler of a pipeline (the back channel never follows one; the auth handler follows only same-origin ones itself).</summary>
internal static class BackchannelRedirects
{
    /// <summary>Walks <paramref name="handler"/>'s delegating chain to its primary handler and turns auto-redirect off there.</summary>
    /// <returns><see langword="true"/> when the primary handler now does not follow redirects (or is of a kind that never does).</returns>
    public static bool DisableAutoRedirect(HttpMessageHandler? handler) => TakeOver(handler).Disabled;

    /// <summary>
    /// Like <see cref="DisableAutoRedirect"/>, and also reports whether the primary handler was following redirects
    /// before (so that a caller can keep following the safe ones itself).
    /// </summary>
    public static (bool WasFollowing, bool Disabled) TakeOver(HttpMessageHandler? handler)
    {
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        try
        {
            switch (handler)
            {
                case SocketsHttpHandler sockets when sockets.AllowAutoRedirect:
                    sockets.AllowAutoRedirect = false;
                    return (true, true);
                case HttpClientHandler client when client.AllowAutoRedirect:
                    client.AllowAutoRedirect = false;
                    return (true, true);
                default:
                    return (false, true);
            }
        }
        catch (InvalidOperationException)
        {
            // The handler has already sent requests and can no longer be changed.
            return (true, false);
        }
    }
}
