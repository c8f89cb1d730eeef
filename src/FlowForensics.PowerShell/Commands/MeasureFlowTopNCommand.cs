using System.Management.Automation;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Completers;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// nfdump's <c>-s</c> statistics (one property) and <c>-A</c> aggregation (several), plus distinct counts per key:
/// <c>Get-FlowRecord ... | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 10</c>, or straight from nfcapd
/// files with <c>-Path</c> (the engine reads the files itself: no pipeline object per flow).
/// Records are accumulated as they come; the rows are written at the end, best first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "FlowTopN", DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(TopNRow))]
public sealed class MeasureFlowTopNCommand : FlowAnalysisCmdlet
{
    /// <summary>The type name rows carry with -Distinct, which selects the table view that shows the counts.</summary>
    public const string DistinctRowTypeName = "FlowForensics.Analysis.TopN.TopNRow#Distinct";

    private TopNAggregator? _aggregator;

    /// <summary>The key: one property (nfdump -s) or several (nfdump -A). SrcAddr, DstAddr, Address, SrcNet/N, DstNet/N, Net/N, SrcPort, DstPort, Port, Protocol, SrcAs, DstAs, As, InputInterface, OutputInterface, Interface, SrcTos, DstTos, Tos, SrcVlan, DstVlan, Vlan, Conversation; nfdump's names (srcip, dstport, proto, record ...) work too.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TopNPropertyCompleter))]
    public string[] Property { get; set; } = [];

    /// <summary>The ranking (nfdump's order): Flows (default), Packets, Bytes, Pps, Bps, Bpp descending; Start, End ascending.</summary>
    [Parameter]
    public TopNOrder OrderBy { get; set; } = TopNOrder.Flows;

    /// <summary>Rows written; 0 = all (nfdump -n).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Top { get; set; } = 10;

    /// <summary>A record and its reverse count as one key (nfdump -b).</summary>
    [Parameter]
    public SwitchParameter Bidirectional { get; set; }

    /// <summary>Count distinct values of these fields per key (fan-out): SrcAddr, DstAddr, SrcPort, DstPort, Protocol.</summary>
    [Parameter]
    public TopNDistinctField[] Distinct { get; set; } = [];

    protected override void BeginAnalysis()
    {
        var properties = new List<TopNProperty>(Property.Length);
        foreach (string name in Property)
        {
            if (!TopNProperty.TryParse(name, out var p, out string? error))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(error), ErrorIds.TopNPropertyInvalid, ErrorCategory.InvalidArgument, name));
                return;
            }
            properties.Add(p!);
        }
        var options = new TopNOptions(properties)
        {
            Order = OrderBy,
            Top = Top,
            Bidirectional = Bidirectional.IsPresent,
            Distinct = Distinct,
        };
        try
        {
            _aggregator = new TopNAggregator(options);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.TopNPropertyInvalid, ErrorCategory.InvalidArgument, string.Join(",", Property)));
        }
    }

    protected override string ProgressActivity => "Measuring top N";

    protected override void AddFlow(FlowRecord flow) => _aggregator!.Add(flow);

    protected override void EndAnalysis()
    {
        var aggregator = _aggregator!;
        WriteVerbose($"{aggregator.RecordCount:N0} flows counted, {aggregator.KeyCount:N0} distinct keys.");
        bool distinct = Distinct.Length > 0;
        foreach (var row in aggregator.GetRows())
        {
            ThrowIfStopping();
            if (!distinct)
            {
                WriteObject(row);
                continue;
            }
            // Rows with distinct counts get their own table view (module/FlowForensics.Analysis.format.ps1xml).
            var wrapped = PSObject.AsPSObject(row);
            wrapped.TypeNames.Insert(0, DistinctRowTypeName);
            WriteObject(wrapped);
        }
        aggregator.ReleaseMemory();   // the rows are built: the next query in this session reuses the table's memory
    }

    /// <summary>The engine reads the files on several threads (see TopNAggregator.AddFiles); errors and progress come back on this thread.</summary>
    protected override long ReadFiles(IReadOnlyList<string> files, Action<FlowDataException> onFileError, Action<long> onProgress) =>
        _aggregator!.AddFiles(files, Selection, TopNAggregator.DefaultParallelism, onFileError, onProgress, CancelToken);
}
