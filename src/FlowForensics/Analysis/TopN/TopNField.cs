namespace FlowForensics.Analysis.TopN;

/// <summary>One record field a key can be built from. Src/Dst pairs are the two ends of a record.</summary>
public enum TopNField
{
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    SrcAs,
    DstAs,
    InputInterface,
    OutputInterface,
    SrcTos,
    DstTos,
    SrcVlan,
    DstVlan,
}

/// <summary>The fields -Distinct can count per key.</summary>
public enum TopNDistinctField
{
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
}
