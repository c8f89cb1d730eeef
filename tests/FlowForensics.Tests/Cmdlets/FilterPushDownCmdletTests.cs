using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Hosting;
using FlowForensics.Tests.Storage;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>
/// -Filter pushes down into file selection: Get-FlowRecord and Measure-FlowTopN -Path do not read a file whose stat
/// record proves no flow can match. The skipped file's first data block is destroyed, so reading it would fail loudly.
/// </summary>
public sealed class FilterPushDownCmdletTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-pushdown-").FullName;
    private readonly int _tcpFlows;

    public FilterPushDownCmdletTests()
    {
        var t0 = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        var tcp = FlowFilePushDownTests.Flows(300, t0, [6], seed: 1);
        _tcpFlows = tcp.Count;
        CmdletKit.Write(Path.Combine(_dir, "nfcapd.202401011200"), tcp);
        string udp = CmdletKit.Write(Path.Combine(_dir, "nfcapd.202401011205"), FlowFilePushDownTests.Flows(300, t0.AddMinutes(5), [17], seed: 2));
        FlowFilePushDownTests.PoisonFirstDataBlock(udp);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Get_FlowRecord_skips_a_file_the_filter_cannot_match_and_says_why()
    {
        using PsSession s = PsSession.WithModule();
        var flows = CmdletKit.Run(s, "Get-FlowRecord -Path $dir -Filter 'proto tcp and dst port 443' -Verbose", ("dir", _dir));
        Assert.Empty(s.Errors);
        Assert.NotEmpty(flows);
        Assert.True(flows.Count < _tcpFlows);
        Assert.All(flows, f => Assert.Equal(6, f.Protocol));
        Assert.Contains(s.Verbose, v => v.Message.Contains("nfcapd.202401011205", StringComparison.Ordinal) && v.Message.Contains("filter", StringComparison.Ordinal));

        // The poison is real: a filter the UDP file can match reads it and meets the damage.
        CmdletKit.Run(s, "Get-FlowRecord -Path $dir -Filter 'proto udp'", ("dir", _dir));
        Assert.StartsWith("FlowFileCorrupt,", Assert.Single(s.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_FlowTopN_Path_skips_it_too()
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("dir", _dir);
        var rows = s.Invoke("Measure-FlowTopN -Path $dir -Filter 'proto tcp' -Property Protocol");
        Assert.Empty(s.Errors);
        var row = Assert.Single(rows);
        Assert.Equal((long)_tcpFlows, Convert.ToInt64(row.Properties["Flows"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
