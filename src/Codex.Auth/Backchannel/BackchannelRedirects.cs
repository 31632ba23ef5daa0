namespace Codex.Auth.Backchannel;

/// <summary>Switches automatic redirects off on the primary handler of a pipeline (the back channel never follows one).</summary>
internal static class BackchannelRedirects
{
    /// <summary>Walks <paramref name="handler"/>'s delegating chain to its primary handler and turns auto-redirect off there.</summary>
    /// <returns><see langword="true"/> when the primary handler now does not follow redirects (or is of a kind that never does).</returns>
    public static bool DisableAutoRedirect(HttpMessageHandler? handler)
    {
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        try
        {
            switch (handler)
            {
                case SocketsHttpHandler sockets:
                    if (sockets.AllowAutoRedirect)
                    {
                        sockets.AllowAutoRedirect = false;
                    }

                    return true;
                case HttpClientHandler client:
                    if (client.AllowAutoRedirect)
                    {
                        client.AllowAutoRedirect = false;
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            // The handler has already sent requests and can no longer be changed.
            return false;
        }
    }
}
