using Microsoft.Extensions.Hosting;

namespace Codex.Auth.Testing.Internal;

/// <summary>A host lifetime that neither hooks console signals nor prints status messages.</summary>
internal sealed class NoopHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
