using System.Reflection;
using System.Runtime.CompilerServices;

namespace Codex.Auth.Proxy.Tests;

/// <summary>The proxy package is built against the library's public API only, so the two can be versioned apart.</summary>
public sealed class PublicApiOnlyTests
{
    [Fact]
    public void The_library_does_not_open_its_internals_to_the_proxy()
    {
        string[] friends = [.. typeof(IAuthProvider).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName)];

        Assert.NotEmpty(friends); // the attribute is read at all (the library's own tests are friends)
        Assert.DoesNotContain(friends, name => name.StartsWith(typeof(CodexAuthProxyHost).Assembly.GetName().Name!, StringComparison.Ordinal) && !name.Contains("Tests", StringComparison.Ordinal));
    }
}
