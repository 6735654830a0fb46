"""Sources for the magnetic compression engine (`rectoplan.mct`): physics, materials, clinic.

Entries follow `shared/domain/magnet-physics.md` and `shared/domain/surgical-modules.md` §2.
``verified=False`` marks a value whose primary text was not read in full (an abstract or an
index page only), or a standard value that is not in the consolidated domain tables; the rules
that use one say so. Measurements made for the domain notes are cited as such.
"""

from rectoplan.evidence import Source

SOURCES: tuple[Source, ...] = (
    # --- force formulas and reference code ------------------------------------------------
    Source(
        "ravaud_2010",
        "Ravaud R, Lemarquand G, Lemarquand V, Babic S, Akyel C. Cylindrical magnets and coils: "
        "fields, forces, and inductances. IEEE Trans Magn 2010;46(9):3585-3590.",
        2010,
        note="Closed form of the axial force between coaxial cylindrical magnets (K, E, Pi).",
    ),
    Source(
        "robertson_2011",
        "Robertson W, Cazzolato B, Zander A. A simplified force equation for coaxial "
        "cylindrical magnets and thin coils. IEEE Trans Magn 2011;47(8):2045-2049.",
        2011,
        note="The 16-term form used by rectoplan.mct.force (4 per cylinder pair).",
    ),
    Source(
        "magcode",
        "Robertson W. magcode: magnet force and torque code, repository AUMAG/magcode, "
        "matlab/private/cylinder_force_coaxial.m and matlab/testsuite/testcyl01.m.",
        2011,
        url="https://github.com/AUMAG/magcode",
        note="Published test values 265.537, 111.490 and 18.953 N (J = 1.3 T, repulsion).",
    ),
    Source(
        "furlani_1993",
        "Furlani EP. A formula for the levitation force between magnetic disks. "
        "IEEE Trans Magn 1993;29(6):4165-4169.",
        1993,
        note="Fourier-Bessel (charge-model) force between discs; extended to rings and lateral "
        "offset in magnet-physics.md section 2.2 and used as an independent oracle.",
    ),
    Source(
        "derby_olbert_2010",
        "Derby N, Olbert S. Cylindrical magnets and ideal solenoids. Am J Phys 2010;78(3):229-235.",
        2010,
        note="Field of an axially magnetized cylinder with Bulirsch's cel; magpylib's kernel.",
    ),
    Source(
        "bulirsch_1969",
        "Bulirsch R. Numerical calculation of elliptic integrals and elliptic functions. III. "
        "Numer Math 1969;13:305-315.",
        1969,
        note="The generalized complete elliptic integral cel(kc, p, a, b).",
    ),
    Source(
        "jackson_1999",
        "Jackson JD. Classical Electrodynamics, 3rd ed. Wiley 1999, section 5.5 (vector "
        "potential of a circular current loop in K and E, and its Bessel-integral form).",
        1999,
        note="Gives int J1(ka) J1(kb) exp(-kc) dk in K and E: the closed-form axial stiffness.",
    ),
    Source(
        "magpylib",
        "Ortner M, Coliado Bandeira LG. Magpylib: a free Python package for magnetic field "
        "computation. SoftwareX 2020;11:100466. Version 6.3.0 (getFT, func.cylinder_field).",
        2020,
        url="https://github.com/magpylib/magpylib",
        note="Peer and cross-check: getFT meshes the target (0.05-2 % error, 1-2 % low at "
        "contact, magnet-physics.md section 1.4).",
    ),
    Source(
        "magpylib_material_response",
        "magpylib-material-response 0.6.0 (self-consistent demagnetization); the study in "
        "shared/domain/magnet-physics.md section 2.9 (measured for this project).",
        2025,
        url="https://github.com/magpylib/magpylib-material-response",
        note="J_eff = Br/(1 + chi N) within ~1 % of the self-consistent force ratio 0.948-0.956 "
        "(OD20/ID8/h5, chi = 0.05); demag factors 0.549/0.619/0.509/0.747/0.635.",
    ),
    # --- materials and units ----------------------------------------------------------------
    Source(
        "ndfeb_vendor_tables",
        "Sintered NdFeB grade tables of four manufacturers (GB/T 13560 grading), consolidated "
        "in shared/domain/magnet-physics.md section 5.",
        2017,
        note="Br, HcB, HcJ, (BH)max, maximum working temperature for N35/N42/N45/N48/N50/N52; "
        "alpha_Br -0.12 %/K (-0.095 to -0.11 in some), alpha_HcJ -0.45 to -0.76 %/K, "
        "recoil permeability 1.05 (1.03-1.10).",
    ),
    Source(
        "gbt13560_grades",
        "GB/T 13560-2017 Sintered neodymium iron boron permanent magnets: N38 and N40 values as "
        "commonly tabulated by vendors.",
        2017,
        note="Not among the consolidated tables of the domain notes.",
        verified=False,
    ),
    Source(
        "codata_2018",
        "Tiesinga E, Mohr PJ, Newell DB, Taylor BN. CODATA recommended values of the "
        "fundamental physical constants: 2018. Rev Mod Phys 2021;93:025010.",
        2021,
        note="mu0 = 1.25663706212e-6 N/A^2.",
    ),
    Source(
        "nist_sp811",
        "Thompson A, Taylor BN. Guide for the Use of the International System of Units (SI). "
        "NIST Special Publication 811, 2008, Appendix B.",
        2008,
        note="1 mmHg (conventional) = 133.322387415 Pa.",
    ),
    # --- clinical magnetic compression ------------------------------------------------------
    Source(
        "zhang_mct_rectal",
        "Zhang MM, et al. Treatment of rectal stenosis by magnetic compression technique: a "
        "case report and literature review. Chinese Journal of General Surgery, article "
        "pw220066.",
        2022,
        url="http://zpwz.net/zgptwkzz/article/abstract/pw220066",
        note="Seed 000: NdFeB rings through ileostomy and anus did not attract across a long "
        "stenotic segment; on a zebra guide wire they coupled and passed on day 6.",
    ),
    Source(
        "xian_atresia_rail_2024",
        "Recanalization of rectal anastomosis atresia with magnetic compression anastomosis. "
        "Endoscopy 2024 (E-Video), doi:10.1055/a-2432-2279.",
        2024,
        note="Zebra guide wire through the biopsy channel; daughter magnet threaded on it.",
        verified=False,
    ),
    Source(
        "best_2011",
        "Best SL, Bergs R, Gedeon M, et al. Maximizing coupling strength of magnetically "
        "anchored surgical instruments: how thick can we go? Surg Endosc 2011.",
        2011,
        note="Force falls steeply with distance: 3334 gf at 0.1 cm, 158 gf at 2.5 cm; "
        "decoupling at 3.64 +/- 0.8 cm. Abstract only.",
        verified=False,
    ),
    Source(
        "tian_2024",
        "Tian BY, Zhang MM, Ma J, Lyu Y, Yan XP. Magnetic compression anastomosis with magnets "
        "of different force in rat colon. World J Gastrointest Surg 2024;16(3):860-870.",
        2024,
        note="Contact forces 8.26 N and 4.10 N both formed the anastomosis, with no difference "
        "in burst pressure. Abstract only.",
        verified=False,
    ),
    Source(
        "xue_2016",
        "Xue F, Li JP, Lu JW, et al. Choledochojejunostomy with an innovative magnetic "
        "compressive anastomosis: how to determine optimal pressure? World J Gastroenterol "
        "2016;22(7):2326-2335.",
        2016,
        note="Sets out to find an optimal MCA pressure; its numerical window was not retrieved, "
        "so no pressure window is built in (surgical-modules.md section 2.4).",
        verified=False,
    ),
    Source(
        "lambe_2014",
        "Lambe T, O Riordain MG, Cahill RA, Cantillon-Murphy P. Magnetic compression in "
        "gastrointestinal and bilioenteric anastomosis: how much force? Surg Innov 2014.",
        2014,
        note="Review of device forces and pressures; tables not retrieved.",
        verified=False,
    ),
)
