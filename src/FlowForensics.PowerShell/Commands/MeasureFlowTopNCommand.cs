using System.Management.Automation;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Completers;
using FlowForensics.PowerShell.Infrastructure;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// nfdump's <c>-s</c> statistics (one property) and <c>-A</c> aggregation (several), plus distinct counts per key:
/// <c>Get-FlowRecord ... | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 10</c>.
/// Records are accumulated in ProcessRecord; the rows are written in EndProcessing, best first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "FlowTopN", DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(TopNRow))]
public sealed class MeasureFlowTopNCommand : FlowCmdlet
{
    private const string InputObjectSet = "InputObject";
    private TopNAggregator? _aggregator;

    /// <summary>Flow records from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [AllowNull]
    public FlowRecord? InputObject { get; set; }

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

    protected override void BeginProcessing()
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

    protected override void ProcessRecord()
    {
        ThrowIfStopping();
        if (InputObject is not null) _aggregator!.Add(InputObject);
    }

    protected override void EndProcessing()
    {
        foreach (var row in _aggregator!.GetRows())
        {
            ThrowIfStopping();
            WriteObject(row);
        }
    }
}
