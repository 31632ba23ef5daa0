using System.Globalization;
using System.Text;
using Codex.Auth.ProxyLoad;
using Codex.Auth.Testing;

// benchmarks/proxy-load runs this; `upstream PORT` is the Kestrel upstream's own process.
if (args is ["upstream", string portText])
{
    return await KestrelUpstream.RunAsync(int.Parse(portText, CultureInfo.InvariantCulture));
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("proxy-load: " + ex.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

return await LoadRun.RunAsync(options);
