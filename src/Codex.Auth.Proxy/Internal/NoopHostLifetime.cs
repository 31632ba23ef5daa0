using Microsoft.Extensions.Hosting;

namespace Codex.Auth.Proxy.Internal;

/// <summary>A host lifetime that does not hook Ctrl+C or SIGTERM: whoever started the proxy stops it.</summary>
internal sealed class NoopHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
