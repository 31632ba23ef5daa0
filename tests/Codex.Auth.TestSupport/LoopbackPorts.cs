using System.Net;
using System.Net.Sockets;

namespace Codex.Auth.TestSupport;

/// <summary>Loopback ports for tests that need one nobody listens on.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// A 127.0.0.1 port free a moment ago (the system picks it, then it is released): for a server the test starts itself, or an
    /// address that must refuse connections.
    /// </summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
