using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProtocolSdk.Hosting;
using ProtocolSdk.Policies;

namespace ProtocolSdk.Hosting.Tests;

/// <summary>Stands for a protocol with a ClusterWide policy (the generated code adds this marker).</summary>
public sealed class MarkedClusterProtocol : Protocol, IClusterWideProtocol { }

/// <summary>A store that answers nothing useful; these tests only check which store the servers get.</summary>
public sealed class NamedStore : IClusterStore
{
    public ValueTask<ClusterSlots> TryAcquireSlotsAsync(string policy, ReadOnlyMemory<ClusterLimit> limits, CancellationToken cancellationToken = default) =>
        new(new ClusterSlots(ClusterDecision.UseLocal, null));
    public void ReleaseSlots(ClusterSlots slots) { }
    public ValueTask<ClusterBudgetGrant> TakeBudgetAsync(string policy, string key, double bytesPerSecond, double burstBytes, long wanted, CancellationToken cancellationToken = default) =>
        new(new ClusterBudgetGrant(ClusterDecision.UseLocal, 0));
}

public class ClusterStoreHostingTests
{
    private static HostApplicationBuilder NewBuilder()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.ConfigureAll<ProtocolServerHostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        builder.Services.AddProtocolServer<MarkedClusterProtocol>(o => o.Endpoints.Add(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)));
        return builder;
    }

    [Fact]
    public async Task A_ClusterWide_protocol_does_not_start_without_a_store()
    {
        using var host = NewBuilder().Build();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("ProtocolServerOptions.ClusterStore", error.Message);
    }

    [Fact]
    public async Task The_store_registered_in_the_container_is_the_servers_store()
    {
        var builder = NewBuilder();
        builder.Services.AddSingleton<IClusterStore, NamedStore>();
        using var host = builder.Build();

        await host.StartAsync();
        var server = Assert.Single(host.Services.GetRequiredService<ProtocolServerHost<MarkedClusterProtocol>>().Servers);
        Assert.NotNull(server.LocalEndPoint);
        await host.StopAsync();
    }
}
